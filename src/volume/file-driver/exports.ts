/**
 * The exports of the volumes: one NBD export per volume (its name the
 * volume id) serving every attachment of it, recorded with its attachments
 * in `<volumes_dir>/exports.json` so that a restarted driver re-creates
 * what the daemon lost and the last unexport ends the export. Each
 * attachment has its own TLS-PSK identity (the attachment id) and key; the
 * export is writable while one of its attachments is 'rw'.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VolumeDriverError } from '../../exception/volume-driver.ts';
import { newPsk } from '../../qemu/psk.ts';
import type { StorageDaemon } from './daemon.ts';
import type { VolumeFile } from './store.ts';

export interface AttachmentRecord {
  readonly mode: 'rw' | 'ro';
  readonly psk: string;
  readonly host: string;
}

export interface ExportRecord {
  /** The daemon's node (and export id) of the volume. */
  readonly node: string;
  /** Whether the export was made writable. */
  readonly writable: boolean;
  readonly attachments: Readonly<Record<string, AttachmentRecord>>;
}

type Table = Record<string, ExportRecord>;

/** The daemon's node name of a volume: QEMU node names are at most 31 characters, so a digest of the id. */
export function nodeName(volumeId: string): string {
  return `v${createHash('sha256').update(volumeId).digest('hex').slice(0, 24)}`;
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class ExportTable {
  private readonly file: string;
  private table: Table = {};
  /** What runs on a served volume's node outside the lock (copies), by volume. */
  private readonly users = new Map<string, Set<Promise<void>>>();
  /** One change at a time: every change goes to the daemon, then to the file. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    dir: string,
    private readonly daemon: StorageDaemon,
  ) {
    this.file = path.join(dir, 'exports.json');
  }

  /** Run `fn` after every change before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  load(): void {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const parsed: unknown = JSON.parse(text);
    if (!isTable(parsed)) throw new VolumeDriverError(`${this.file}: not an export table`);
    this.table = parsed;
  }

  private save(): void {
    fs.writeFileSync(`${this.file}.tmp`, `${JSON.stringify(this.table, null, 1)}\n`, { mode: 0o600 });
    fs.renameSync(`${this.file}.tmp`, this.file);
  }

  /**
   * Run `fn` on the served volume's record if it is served (null if not):
   * looked up under the lock, run outside it (a long copy does not hold up
   * the other exports), the volume's unexport waiting for it.
   */
  async whileServed<T>(volumeId: string, fn: (rec: ExportRecord) => Promise<T>): Promise<{ value: T } | null> {
    const started = await this.serial(async () => {
      const rec = this.table[volumeId];
      if (!rec) return null;
      const run = fn(rec);
      const done = run.then(
        () => undefined,
        () => undefined,
      );
      const set = this.users.get(volumeId) ?? new Set();
      set.add(done);
      this.users.set(volumeId, set);
      void done.then(() => {
        set.delete(done);
        if (set.size === 0 && this.users.get(volumeId) === set) this.users.delete(volumeId);
      });
      return { run };
    });
    return started ? { value: await started.run } : null;
  }

  get(volumeId: string): ExportRecord | undefined {
    return this.table[volumeId];
  }

  volumeIds(): string[] {
    return Object.keys(this.table);
  }

  /** Every attachment's TLS identity and key. */
  keys(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const rec of Object.values(this.table)) for (const [id, a] of Object.entries(rec.attachments)) out[id] = a.psk;
    return out;
  }

  /** Make sure the daemon runs and serves `volumeId` as `rec` says (node, export, writability). */
  private async serve(volumeId: string, file: VolumeFile, rec: ExportRecord, was: ExportRecord | undefined): Promise<void> {
    await this.daemon.ensure(this.keys(), this.volumeIds().length === 1 && was === undefined, 'strict');
    const served = (await this.daemon.exports()).has(rec.node);
    if (served && was?.writable === rec.writable) return;
    if (served) await this.daemon.delExport(rec.node);
    await this.daemon.addNode(rec.node, file.path, file.format);
    await this.daemon.addExport(rec.node, rec.node, volumeId, rec.writable);
  }

  /** Add attachment `attachmentId` of `volumeId` (kept as it is when it is there); its record. */
  async attach(volumeId: string, file: VolumeFile, attachmentId: string, mode: 'rw' | 'ro', host: string): Promise<AttachmentRecord> {
    const was = this.table[volumeId];
    const existing = was?.attachments[attachmentId];
    const att = existing ?? { mode, psk: newPsk(), host };
    const attachments = { ...was?.attachments, [attachmentId]: att };
    const rec: ExportRecord = {
      node: nodeName(volumeId),
      writable: Object.values(attachments).some((a) => a.mode === 'rw'),
      attachments,
    };
    this.table[volumeId] = rec;
    try {
      await this.serve(volumeId, file, rec, was);
    } catch (e) {
      if (was) this.table[volumeId] = was;
      else delete this.table[volumeId];
      this.daemon.writeKeys(this.keys());
      throw e;
    }
    this.save();
    return att;
  }

  /** Drop attachment `attachmentId`; the export and the node go with the last one. */
  async detach(volumeId: string, attachmentId: string): Promise<void> {
    const was = this.table[volumeId];
    if (!was?.attachments[attachmentId]) return;
    const { [attachmentId]: _gone, ...rest } = was.attachments;
    if (Object.keys(rest).length === 0) {
      await Promise.all(this.users.get(volumeId) ?? []);
      if (this.daemon.pid() !== null) {
        await this.daemon.delExport(was.node);
        await this.daemon.delNode(was.node);
      }
      delete this.table[volumeId];
    } else {
      this.table[volumeId] = { ...was, attachments: rest };
    }
    this.daemon.writeKeys(this.keys());
    this.save();
  }

  /** After a restart: serve every recorded export again (the daemon adopted or started anew); exports of volumes gone are dropped. */
  async restore(fileOf: (volumeId: string) => VolumeFile | null, warn: (message: string) => void): Promise<void> {
    const gone = this.volumeIds().filter((volumeId) => !fileOf(volumeId));
    for (const volumeId of gone) {
      delete this.table[volumeId];
      warn(`volume ${volumeId} was exported but its file is gone: export dropped`);
    }
    if (gone.length > 0) this.save();
    if (this.volumeIds().length === 0) return;
    const mismatch = await this.daemon.ensure(this.keys(), false, 'keep');
    if (mismatch) warn(`${mismatch}: kept for the attached volumes; new exports are refused until they are detached or the daemon is stopped`);
    const served = await this.daemon.exports();
    for (const [volumeId, rec] of Object.entries(this.table)) {
      const file = fileOf(volumeId);
      if (!file || served.has(rec.node)) continue;
      await this.daemon.addNode(rec.node, file.path, file.format);
      await this.daemon.addExport(rec.node, rec.node, volumeId, rec.writable);
    }
  }
}
