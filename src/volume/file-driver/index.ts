/**
 * The file volume driver: volumes as qcow2 (default) or raw files under
 * `volumes_dir`, exported over NBD by one qemu-storage-daemon per volume
 * host (src/volume/driver.ts is the contract).
 *
 * - qcow2 by default: a volume stays thin on any file system and through
 *   every copy, and its allocation is in the file.
 * - Snapshots, volumes from snapshots and clones are full, independent
 *   copies (`qemu-img convert`): no backing chains, so any of them can be
 *   deleted in any order. A volume that is exported (written by a guest
 *   meanwhile) is copied by the daemon itself, point-in-time (a backup job).
 * - One daemon with a QMP socket serves every export and survives the
 *   volume service; `init()` adopts it and re-creates what it lost,
 *   `close()` leaves it running.
 * - Extending an exported volume is refused (VolumeDriverInvalid): an NBD
 *   export has a fixed size on both ends — qemu-storage-daemon's export
 *   holds its node without the resize permission (block_resize fails), and
 *   QEMU's NBD client cannot grow a disk (NBD has no resize) — so an
 *   attached volume is extended after its detach.
 */
import fs from 'node:fs';
import path from 'node:path';
import { VolumeDriverError, VolumeDriverInvalid, VolumeImageUnacceptable } from '../../exception/volume-driver.ts';
import type { BackendStats, Connector, NbdConnection, VolumeDriver, VolumeSource } from '../driver.ts';
import { StorageDaemon } from './daemon.ts';
import { ExportTable } from './exports.ts';
import type { FileDriverOptions } from './options.ts';
import { checkId, FileStore, type VolumeFile } from './store.ts';
import { convertFile, createFile, fileInfo, GiB, qemuFormatOf, resizeFile } from './tools.ts';

export { StorageDaemon } from './daemon.ts';
export { type FileDriverOptions, fileDriverOptions } from './options.ts';

const DEFAULT_TOOL_TIMEOUT_MS = 30 * 60_000;

class FileVolumeDriver implements VolumeDriver {
  private readonly store: FileStore;
  private readonly daemon: StorageDaemon;
  private readonly exports: ExportTable;
  private readonly qemuImg: string;
  private readonly timeoutMs: number;

  constructor(private readonly o: FileDriverOptions) {
    this.store = new FileStore(o.volumesDir, o.format);
    this.daemon = new StorageDaemon({
      dir: path.join(o.volumesDir, '.qsd'),
      binary: o.qemuStorageDaemon ?? 'qemu-storage-daemon',
      address: o.exportAddress,
      port: o.exportPort,
      tls: o.tls ?? true,
    });
    this.exports = new ExportTable(o.volumesDir, this.daemon);
    this.qemuImg = o.qemuImg ?? 'qemu-img';
    this.timeoutMs = o.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  }

  async init(): Promise<void> {
    this.store.init();
    await this.exports.serial(async () => {
      this.exports.load();
      await this.exports.restore(
        (id) => this.store.volume(id),
        (message) => this.o.log?.warn(message),
      );
      const n = this.exports.volumeIds().length;
      if (n > 0) this.o.log?.info({ pid: this.daemon.pid(), exports: n }, 'qemu-storage-daemon serves %d exports', n);
    });
  }

  private async sizeOf(f: VolumeFile): Promise<number> {
    return (await fileInfo(this.qemuImg, f.path, f.format)).virtualSize;
  }

  /**
   * Copy `src` (a volume or snapshot file) into the new file `part` of
   * `format`: by the daemon (point-in-time) while `volumeId` is exported,
   * else with qemu-img (whose read lock keeps an export from opening the
   * file for writing meanwhile).
   */
  private async copy(src: VolumeFile, volumeId: string | null, part: string, format: 'qcow2' | 'raw'): Promise<void> {
    const byDaemon =
      volumeId !== null &&
      (await this.exports.whileServed(volumeId, async (rec) => {
        await createFile(this.qemuImg, part, format, await this.sizeOf(src));
        await this.daemon.backup(rec.node, part, format, this.timeoutMs);
      }));
    if (!byDaemon) await convertFile(this.qemuImg, src.path, src.format, part, format, this.timeoutMs);
  }

  async createVolume(volumeId: string, sizeGb: number, source: VolumeSource): Promise<void> {
    if (!Number.isInteger(sizeGb) || sizeGb < 1) throw new VolumeDriverInvalid(`Volume size ${sizeGb} GB must be a positive integer.`);
    const size = sizeGb * GiB;
    const existing = this.store.volume(volumeId);
    if (existing) {
      const have = await this.sizeOf(existing);
      if (have === size) return;
      throw new VolumeDriverError(`volume ${volumeId} exists with ${have} bytes, not ${sizeGb} GB`);
    }
    const target = this.store.newFile('volume', volumeId);
    await this.store.writeFile(target, async (part) => {
      switch (source.kind) {
        case 'empty':
          return createFile(this.qemuImg, part, target.format, size);
        case 'image':
          return this.fromImage(source.path, source.diskFormat, part, target, sizeGb);
        case 'snapshot':
          return this.fromCopy(this.store.mustSnapshot(source.snapshotId), null, part, target, sizeGb);
        case 'volume':
          return this.fromCopy(this.store.mustVolume(source.volumeId), source.volumeId, part, target, sizeGb);
      }
    });
  }

  private async fromImage(image: string, diskFormat: string, part: string, target: VolumeFile, sizeGb: number): Promise<void> {
    const format = qemuFormatOf(diskFormat);
    const info = await fileInfo(this.qemuImg, image, format);
    // As Cinder's image checks: an image must not make qemu-img read other files of this host.
    if (info.backingFile !== null) throw VolumeImageUnacceptable.of(`fmt=${info.format} backed by:${info.backingFile}`);
    if (info.otherFiles !== null) throw VolumeImageUnacceptable.of(`fmt=${info.format} reads other files (${info.otherFiles})`);
    const imageGb = Math.ceil(info.virtualSize / GiB);
    if (imageGb > sizeGb) throw VolumeImageUnacceptable.of(`Image virtual size is ${imageGb}GB and doesn't fit in a volume of size ${sizeGb}GB.`);
    await convertFile(this.qemuImg, image, format, part, target.format, this.timeoutMs);
    if (info.virtualSize < sizeGb * GiB) await resizeFile(this.qemuImg, part, target.format, sizeGb * GiB);
  }

  private async fromCopy(src: VolumeFile, exportedAs: string | null, part: string, target: VolumeFile, sizeGb: number): Promise<void> {
    const srcSize = await this.sizeOf(src);
    if (srcSize > sizeGb * GiB) throw new VolumeDriverInvalid(`Volume size ${sizeGb}GB cannot be smaller than its source (${Math.ceil(srcSize / GiB)}GB).`);
    await this.copy(src, exportedAs, part, target.format);
    if (srcSize < sizeGb * GiB) await resizeFile(this.qemuImg, part, target.format, sizeGb * GiB);
  }

  private refuseExported(volumeId: string, what: string): void {
    const rec = this.exports.get(volumeId);
    if (!rec) return;
    const atts = Object.keys(rec.attachments).join(', ');
    throw new VolumeDriverInvalid(`Volume ${volumeId} is exported for attachment ${atts}: cannot ${what} it.`, { volume_id: volumeId });
  }

  async deleteVolume(volumeId: string): Promise<void> {
    checkId('volume', volumeId);
    await this.exports.serial(async () => {
      this.refuseExported(volumeId, 'delete');
      this.store.remove('volume', volumeId);
    });
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    const f = this.store.mustVolume(volumeId);
    const size = newSizeGb * GiB;
    const have = await this.sizeOf(f);
    if (have === size) return;
    if (!Number.isInteger(newSizeGb) || have > size)
      throw new VolumeDriverInvalid(`New size ${newSizeGb}GB must be an integer larger than the volume's ${Math.ceil(have / GiB)}GB.`);
    this.refuseExported(volumeId, 'extend');
    await resizeFile(this.qemuImg, f.path, f.format, size);
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    checkId('snapshot', snapshotId);
    const src = this.store.mustVolume(volumeId);
    if (this.store.snapshot(snapshotId)) return;
    const target = this.store.newFile('snapshot', snapshotId);
    await this.store.writeFile(target, (part) => this.copy(src, volumeId, part, target.format));
  }

  async deleteSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    checkId('volume', volumeId);
    this.store.remove('snapshot', snapshotId);
  }

  async exportVolume(volumeId: string, attachmentId: string, connector: Connector, mode: 'rw' | 'ro'): Promise<NbdConnection> {
    checkId('attachment', attachmentId);
    const f = this.store.mustVolume(volumeId);
    const att = await this.exports.serial(() => this.exports.attach(volumeId, f, attachmentId, mode, connector.host));
    const tls = this.o.tls ?? true;
    return {
      driver_volume_type: 'nbd',
      data: {
        host: this.o.exportHost ?? this.o.exportAddress,
        port: this.o.exportPort,
        name: volumeId,
        ...(tls ? { psk_user: attachmentId, psk: att.psk } : {}),
        format: 'raw',
        volume_id: volumeId,
        access_mode: att.mode,
      },
    };
  }

  async unexportVolume(volumeId: string, attachmentId: string): Promise<void> {
    checkId('volume', volumeId);
    await this.exports.serial(() => this.exports.detach(volumeId, attachmentId));
  }

  async copyVolumeToFile(volumeId: string, dest: string): Promise<void> {
    const src = this.store.mustVolume(volumeId);
    const part = `${dest}.part`;
    fs.rmSync(part, { force: true });
    try {
      await this.copy(src, volumeId, part, 'raw');
      fs.renameSync(part, dest);
    } finally {
      fs.rmSync(part, { force: true });
    }
  }

  async volumeSize(volumeId: string): Promise<number> {
    return this.sizeOf(this.store.mustVolume(volumeId));
  }

  async stats(): Promise<BackendStats> {
    this.store.init();
    const c = this.store.capacity();
    return { volume_backend_name: this.o.backendName, total_capacity_gb: c.total, free_capacity_gb: c.free };
  }

  async close(): Promise<void> {
    // The daemon and its exports stay (attached guests keep their disks); wait for a change under way.
    await this.exports.serial(async () => undefined);
  }
}

/** The file volume driver on `opts.volumesDir`. */
export function createFileDriver(opts: FileDriverOptions): VolumeDriver {
  return new FileVolumeDriver(opts);
}
