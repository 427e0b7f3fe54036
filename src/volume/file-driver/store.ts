/**
 * The volume and snapshot files under the volumes directory:
 * `volume-<id>.<format>` and `snapshot-<id>.<format>` (Cinder's name
 * templates), the format in the extension so that a change of the format
 * option leaves existing files readable. A file is written as `<name>.part`
 * and renamed once complete, so an existing file is always a whole volume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { BackendSnapshotNotFound, BackendVolumeNotFound, VolumeDriverInvalid } from '../../exception/volume-driver.ts';
import type { VolumeFileFormat } from './options.ts';

/** A volume's or snapshot's file and its format. */
export interface VolumeFile {
  readonly path: string;
  readonly format: VolumeFileFormat;
}

const FORMATS: readonly VolumeFileFormat[] = ['qcow2', 'raw'];
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/;

/** Ids name files: letters, digits, '-' and '_' only (UUIDs). */
export function checkId(kind: 'volume' | 'snapshot' | 'attachment', id: string): string {
  if (!ID.test(id)) throw new VolumeDriverInvalid(`Bad ${kind} id '${id}': letters, digits, '-' and '_' only.`);
  return id;
}

export class FileStore {
  constructor(
    readonly dir: string,
    readonly format: VolumeFileFormat,
  ) {}

  /** Make the directory (and keep it private: volumes hold guests' data). */
  init(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private find(prefix: 'volume' | 'snapshot', id: string): VolumeFile | null {
    for (const format of FORMATS) {
      const p = path.join(this.dir, `${prefix}-${id}.${format}`);
      if (fs.existsSync(p)) return { path: p, format };
    }
    return null;
  }

  volume(id: string): VolumeFile | null {
    return this.find('volume', checkId('volume', id));
  }

  snapshot(id: string): VolumeFile | null {
    return this.find('snapshot', checkId('snapshot', id));
  }

  mustVolume(id: string): VolumeFile {
    const f = this.volume(id);
    if (!f) throw BackendVolumeNotFound.of(id);
    return f;
  }

  mustSnapshot(id: string): VolumeFile {
    const f = this.snapshot(id);
    if (!f) throw BackendSnapshotNotFound.of(id);
    return f;
  }

  /** Where a new volume or snapshot goes, in this store's format. */
  newFile(prefix: 'volume' | 'snapshot', id: string): VolumeFile {
    return { path: path.join(this.dir, `${prefix}-${checkId(prefix, id)}.${this.format}`), format: this.format };
  }

  /**
   * Write `target` through `fill(part)` into `<target>.part`, then rename it
   * into place; the part file goes on failure.
   */
  async writeFile(target: VolumeFile, fill: (part: string) => Promise<void>): Promise<void> {
    const part = `${target.path}.part`;
    fs.rmSync(part, { force: true });
    try {
      await fill(part);
      fs.renameSync(part, target.path);
    } finally {
      fs.rmSync(part, { force: true });
    }
  }

  /** Remove every file of a volume or snapshot (fine when none is there). */
  remove(prefix: 'volume' | 'snapshot', id: string): void {
    checkId(prefix, id);
    for (const format of FORMATS) {
      for (const suffix of ['', '.part']) fs.rmSync(path.join(this.dir, `${prefix}-${id}.${format}${suffix}`), { force: true });
    }
  }

  /** Total and free GiB of the directory's file system (two decimals, as Cinder reports them). */
  capacity(): { total: number; free: number } {
    const s = fs.statfsSync(this.dir);
    const gib = (blocks: number) => Math.floor((blocks * s.bsize * 100) / 1024 ** 3) / 100;
    return { total: gib(s.blocks), free: gib(s.bavail) };
  }
}
