/**
 * The volume host's qemu-storage-daemon: one per volumes directory, started
 * detached (`--daemonize`, its pid in `.qsd/qsd.pid`) so that it outlives
 * the volume service and attached guests keep their disks; a later driver
 * adopts it by the pid file (trusted only while the process's command line
 * names it) and its QMP socket `.qsd/qmp.sock`. The NBD server listens on
 * the export address from the start; exports are added and removed live
 * over QMP (blockdev-add, block-export-add/-del). With TLS the server reads
 * `.qsd/psk/keys.psk` (one identity per attachment) at every handshake.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VolumeDriverError } from '../../exception/volume-driver.ts';
import { daemonPid, qemuOptValue } from '../../qemu/proc.ts';
import { writePskKeys } from '../../qemu/psk.ts';
import { QmpClient } from '../../qemu/qmp.ts';
import { QmpError } from '../../qemu/qmp-error.ts';
import { runTool } from './tools.ts';

export interface DaemonOptions {
  /** The daemon's own directory (pid file, QMP socket, keys). */
  readonly dir: string;
  readonly binary: string;
  readonly address: string;
  readonly port: number;
  readonly tls: boolean;
}

/** A block node of the daemon (query-named-block-nodes). */
interface NamedNode {
  readonly 'node-name': string;
}
/** An export of the daemon (query-block-exports). */
interface BlockExport {
  readonly id: string;
  readonly 'shutting-down': boolean;
}
/** A job of the daemon (query-jobs). */
interface Job {
  readonly id: string;
  readonly status: string;
  readonly error?: string;
}

const isArrayOf = <T>(v: unknown): v is T[] => Array.isArray(v);

export class StorageDaemon {
  readonly pidfile: string;
  readonly socket: string;
  readonly pskDir: string;

  constructor(readonly o: DaemonOptions) {
    this.pidfile = path.join(o.dir, 'qsd.pid');
    this.socket = path.join(o.dir, 'qmp.sock');
    this.pskDir = path.join(o.dir, 'psk');
  }

  pid(): number | null {
    return daemonPid(this.pidfile);
  }

  /** Write the TLS identities the server accepts (identity → hex key). */
  writeKeys(keys: Readonly<Record<string, string>>): void {
    if (this.o.tls) writePskKeys(this.pskDir, keys);
  }

  /** The `--nbd-server` argument of a daemon of these options. */
  private listenArg(): string {
    const listen = `addr.type=inet,addr.host=${this.o.address},addr.port=${this.o.port}`;
    return this.o.tls ? `${listen},tls-creds=tls0` : listen;
  }

  /** The `--nbd-server` argument the daemon `pid` runs with. */
  private runningListen(pid: number): string | null {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = args.indexOf('--nbd-server');
    return i >= 0 ? (args[i + 1] ?? null) : null;
  }

  /**
   * Adopt the running daemon, or start one (serving nothing yet). A daemon
   * listening otherwise than the options say is restarted when `idle` (it
   * serves nothing); else 'strict' refuses (new connections would name the
   * wrong address) and 'keep' adopts it as it is, saying so in the result.
   */
  async ensure(keys: Readonly<Record<string, string>>, idle: boolean, mode: 'strict' | 'keep'): Promise<string | null> {
    this.writeKeys(keys);
    const pid = this.pid();
    if (pid !== null) {
      const running = this.runningListen(pid);
      if (running === this.listenArg() || (!idle && mode === 'keep')) {
        await this.qmp((c) => c.execute('query-version'));
        return running === this.listenArg() ? null : `qemu-storage-daemon (pid ${pid}) listens with ${running}, not ${this.listenArg()}`;
      }
      if (!idle) {
        throw new VolumeDriverError(
          `qemu-storage-daemon (pid ${pid}) serves attached volumes with --nbd-server ${running}, not ${this.listenArg()} as [volume] says: detach them (or stop the daemon) to apply the change`,
        );
      }
      await this.stop();
    }
    fs.mkdirSync(this.o.dir, { recursive: true, mode: 0o700 });
    fs.rmSync(this.socket, { force: true });
    const args = [
      ...(this.o.tls ? ['--object', `tls-creds-psk,id=tls0,endpoint=server,dir=${qemuOptValue(this.pskDir)}`] : []),
      '--chardev',
      `socket,id=qmp0,path=${qemuOptValue(this.socket)},server=on,wait=off`,
      '--monitor',
      'chardev=qmp0',
      '--nbd-server',
      this.listenArg(),
      '--daemonize',
      '--pidfile',
      this.pidfile,
    ];
    await runTool(this.o.binary, args, 30_000);
    if (this.pid() === null) throw new VolumeDriverError(`${this.o.binary} daemonized but its pid file ${this.pidfile} names no live daemon`);
    return null;
  }

  /** QMP exchanges of this process, one at a time (the monitor greets the next client only once the last one left). */
  private qmpQueue: Promise<unknown> = Promise.resolve();

  /** Run `fn` on a fresh QMP connection (none is held between calls, so another driver on the directory can adopt the daemon). */
  qmp<T>(fn: (c: QmpClient) => Promise<T>): Promise<T> {
    const next = this.qmpQueue.then(
      () => this.qmpNow(fn),
      () => this.qmpNow(fn),
    );
    this.qmpQueue = next.catch(() => undefined);
    return next;
  }

  private async qmpNow<T>(fn: (c: QmpClient) => Promise<T>): Promise<T> {
    let client: QmpClient;
    try {
      client = await QmpClient.connect(this.socket);
    } catch (e) {
      throw new VolumeDriverError(`qemu-storage-daemon (pid ${this.pid() ?? 'none'}) does not answer on ${this.socket}: ${e instanceof Error ? e.message : String(e)}`);
    }
    try {
      return await fn(client);
    } catch (e) {
      if (e instanceof QmpError) throw new VolumeDriverError(`qemu-storage-daemon: ${e.message}`, { qmp_class: e.qmpClass });
      throw e;
    } finally {
      client.close();
    }
  }

  async nodes(): Promise<Set<string>> {
    const r = await this.qmp((c) => c.execute('query-named-block-nodes', { flat: true }));
    return new Set(isArrayOf<NamedNode>(r) ? r.map((n) => n['node-name']) : []);
  }

  async exports(): Promise<Map<string, BlockExport>> {
    const r = await this.qmp((c) => c.execute('query-block-exports'));
    return new Map(isArrayOf<BlockExport>(r) ? r.map((e) => [e.id, e]) : []);
  }

  /** A node on `file` (a volume, opened as `format`), unless it is there. */
  async addNode(node: string, file: string, format: string): Promise<void> {
    if ((await this.nodes()).has(node)) return;
    await this.qmp((c) => c.execute('blockdev-add', { driver: format, 'node-name': node, file: { driver: 'file', filename: file } }));
  }

  async delNode(node: string): Promise<void> {
    if (!(await this.nodes()).has(node)) return;
    await this.qmp((c) => c.execute('blockdev-del', { 'node-name': node }));
  }

  /** Serve `node` as NBD export `name`. */
  async addExport(id: string, node: string, name: string, writable: boolean): Promise<void> {
    await this.qmp((c) => c.execute('block-export-add', { type: 'nbd', id, 'node-name': node, name, writable }));
  }

  /** End export `id` (its clients are cut off) and wait until it is gone. */
  async delExport(id: string): Promise<void> {
    if (!(await this.exports()).has(id)) return;
    await this.qmp((c) => c.execute('block-export-del', { id, mode: 'hard' }));
    const deadline = Date.now() + 15_000;
    while ((await this.exports()).has(id)) {
      if (Date.now() > deadline) throw new VolumeDriverError(`qemu-storage-daemon: export ${id} is still there 15 s after block-export-del`);
      await sleep(50);
    }
  }

  /**
   * A point-in-time copy of `node` (served, maybe written meanwhile) into
   * the existing file `target` of `format` and the node's size: a full
   * backup job (copy-before-write) through a temporary node.
   */
  async backup(node: string, target: string, format: string, timeoutMs: number): Promise<void> {
    const tag = randomBytes(2).toString('hex');
    const tnode = `${node}b${tag}`;
    const job = `${node}j${tag}`;
    await this.qmp((c) => c.execute('blockdev-add', { driver: format, 'node-name': tnode, file: { driver: 'file', filename: target } }));
    try {
      await this.qmp((c) => c.execute('blockdev-backup', { 'job-id': job, device: node, target: tnode, sync: 'full', 'auto-dismiss': false }));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const jobs = await this.qmp((c) => c.execute('query-jobs'));
        const j = isArrayOf<Job>(jobs) ? jobs.find((x) => x.id === job) : undefined;
        if (!j) throw new VolumeDriverError(`qemu-storage-daemon: backup job ${job} vanished`);
        if (j.status === 'concluded') {
          await this.qmp((c) => c.execute('job-dismiss', { id: job }));
          if (j.error) throw new VolumeDriverError(`qemu-storage-daemon: copy of ${node} failed: ${j.error}`);
          return;
        }
        if (Date.now() > deadline) {
          await this.qmp((c) => c.execute('job-cancel', { id: job }));
          throw new VolumeDriverError(`qemu-storage-daemon: copy of ${node} not done after ${timeoutMs} ms (cancelled)`);
        }
        await sleep(100);
      }
    } finally {
      await this.delNodeWhenFree(tnode);
    }
  }

  /** blockdev-del of a backup target, retried while a cancelled job still holds it. */
  private async delNodeWhenFree(node: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        return await this.delNode(node);
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await sleep(100);
      }
    }
  }

  /** Stop the daemon (SIGTERM, then SIGKILL): every export ends. For decommissioning and tests; the driver never calls it. */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid !== null) {
      const kill = (sig: NodeJS.Signals) => {
        try {
          process.kill(pid, sig);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      };
      kill('SIGTERM');
      const deadline = Date.now() + 5_000;
      while (this.pid() !== null && Date.now() < deadline) await sleep(50);
      if (this.pid() !== null) kill('SIGKILL');
      while (this.pid() !== null && Date.now() < deadline + 5_000) await sleep(50);
    }
    fs.rmSync(this.pidfile, { force: true });
    fs.rmSync(this.socket, { force: true });
  }
}
