/**
 * An in-memory VolumeDriver for the volume service's functional tests (test
 * code only; the daemon cannot select it): volumes as byte arrays of their
 * size, snapshots as copies, exports recorded per attachment. `fail` makes
 * the next call of a method throw (to see the service's error statuses).
 */
import fs from 'node:fs';
import { Invalid } from '../../src/exception/base.ts';
import type { BackendStats, Connector, NbdConnection, VolumeDriver, VolumeSource } from '../../src/volume/driver.ts';

const GiB = 1024 ** 3;

export class MemoryVolumeDriver implements VolumeDriver {
  readonly volumes = new Map<string, { sizeGb: number; source: VolumeSource; data: Buffer }>();
  readonly snapshots = new Map<string, { volumeId: string; data: Buffer }>();
  readonly exports = new Map<string, { volumeId: string; connector: Connector; mode: 'rw' | 'ro' }>();
  readonly calls: string[] = [];
  /** Method names whose next call throws. */
  readonly fail = new Set<string>();
  /** Method names whose next call refuses (an Invalid: nothing changed). */
  readonly refuse = new Set<string>();
  /** Resolves a pending createVolume when set (to hold a volume in creating). */
  hold: Promise<void> | null = null;

  private check(method: string): void {
    this.calls.push(method);
    if (this.fail.delete(method)) throw new Error(`injected ${method} failure`);
    if (this.refuse.delete(method)) throw new Invalid(`injected ${method} refusal`);
  }

  async init(): Promise<void> {
    this.check('init');
  }

  async createVolume(volumeId: string, sizeGb: number, source: VolumeSource): Promise<void> {
    this.check('createVolume');
    if (this.hold) await this.hold;
    let data = Buffer.alloc(0);
    if (source.kind === 'image') data = fs.readFileSync(source.path);
    if (source.kind === 'snapshot') data = Buffer.from(this.snapshots.get(source.snapshotId)?.data ?? Buffer.alloc(0));
    if (source.kind === 'volume') data = Buffer.from(this.volumes.get(source.volumeId)?.data ?? Buffer.alloc(0));
    this.volumes.set(volumeId, { sizeGb, source, data });
  }

  async deleteVolume(volumeId: string): Promise<void> {
    this.check('deleteVolume');
    this.volumes.delete(volumeId);
  }

  async extendVolume(volumeId: string, newSizeGb: number): Promise<void> {
    this.check('extendVolume');
    const v = this.volumes.get(volumeId);
    if (!v) throw new Error(`no volume ${volumeId}`);
    v.sizeGb = Math.max(v.sizeGb, newSizeGb);
  }

  async createSnapshot(volumeId: string, snapshotId: string): Promise<void> {
    this.check('createSnapshot');
    this.snapshots.set(snapshotId, { volumeId, data: Buffer.from(this.volumes.get(volumeId)?.data ?? Buffer.alloc(0)) });
  }

  async deleteSnapshot(_volumeId: string, snapshotId: string): Promise<void> {
    this.check('deleteSnapshot');
    this.snapshots.delete(snapshotId);
  }

  async exportVolume(volumeId: string, attachmentId: string, connector: Connector, mode: 'rw' | 'ro'): Promise<NbdConnection> {
    this.check('exportVolume');
    this.exports.set(attachmentId, { volumeId, connector, mode });
    return {
      driver_volume_type: 'nbd',
      data: { host: '127.0.0.1', port: 10809, name: `volume-${volumeId}-${attachmentId}`, format: 'raw', volume_id: volumeId, access_mode: mode },
    };
  }

  async unexportVolume(_volumeId: string, attachmentId: string): Promise<void> {
    this.check('unexportVolume');
    this.exports.delete(attachmentId);
  }

  async copyVolumeToFile(volumeId: string, dest: string): Promise<void> {
    this.check('copyVolumeToFile');
    fs.writeFileSync(dest, this.volumes.get(volumeId)?.data ?? Buffer.alloc(0));
  }

  async volumeSize(volumeId: string): Promise<number> {
    return (this.volumes.get(volumeId)?.sizeGb ?? 0) * GiB;
  }

  async stats(): Promise<BackendStats> {
    return { volume_backend_name: 'memory', total_capacity_gb: 100, free_capacity_gb: 100 - [...this.volumes.values()].reduce((n, v) => n + v.sizeGb, 0) };
  }

  async close(): Promise<void> {
    this.check('close');
  }
}
