/**
 * A volume host for compute-side tests: the file volume driver on a
 * directory of its own, its qemu-storage-daemon serving NBD (TLS-PSK by
 * default) on `address`; `attach` creates a volume (or reuses it) and
 * exports it for one attachment, giving the connection_info a compute host
 * gets. The daemon is stopped at the end even when a test fails.
 */
import path from 'node:path';
import type { BdmConnectionInfo } from '../../src/objects/block-device.ts';
import type { VolumeDriver, VolumeSource } from '../../src/volume/driver.ts';
import { createFileDriver, type FileDriverOptions, StorageDaemon } from '../../src/volume/file-driver/index.ts';
import { freePort, onCleanup } from './procs.ts';

export interface TestVolumeHost {
  readonly driver: VolumeDriver;
  /** A new attachment of `volumeId` (created empty with `sizeGb` when new): its connection_info as the volume service answers it. */
  attach(volumeId: string, opts?: { attachmentId?: string; mode?: 'rw' | 'ro'; sizeGb?: number; source?: VolumeSource }): Promise<BdmConnectionInfo>;
  /** End an attachment's export. */
  detach(volumeId: string, attachmentId: string): Promise<void>;
  /** The storage daemon dies (SIGKILL): every export drops. */
  crash(): Promise<void>;
  /** The volume service starts again: a new driver adopts the exports' table and serves them again (same port, names, keys). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function testVolumeHost(dir: string, o: { address?: string; tls?: boolean; format?: 'raw' | 'qcow2' } = {}): Promise<TestVolumeHost> {
  const address = o.address ?? '127.0.0.1';
  const tls = o.tls ?? true;
  const volumesDir = path.join(dir, 'volumes');
  const opts: FileDriverOptions = { volumesDir, format: o.format ?? 'raw', backendName: 'file', exportAddress: address, exportPort: await freePort(), tls };
  const daemon = new StorageDaemon({ dir: path.join(volumesDir, '.qsd'), binary: 'qemu-storage-daemon', address, port: opts.exportPort, tls });
  const done = onCleanup(`qemu-storage-daemon of ${volumesDir}`, () => daemon.stop());
  let driver = createFileDriver(opts);
  await driver.init();
  const created = new Set<string>();
  let n = 0;
  return {
    get driver() {
      return driver;
    },
    async crash() {
      const pid = daemon.pid();
      if (pid !== null) process.kill(pid, 'SIGKILL');
      while (daemon.pid() !== null) await new Promise((r) => setTimeout(r, 50));
    },
    async restart() {
      await driver.close();
      driver = createFileDriver(opts);
      await driver.init();
    },
    async attach(volumeId, a = {}) {
      if (!created.has(volumeId)) await driver.createVolume(volumeId, a.sizeGb ?? 1, a.source ?? { kind: 'empty' });
      created.add(volumeId);
      const attachmentId = a.attachmentId ?? `att-${++n}`;
      const c = await driver.exportVolume(volumeId, attachmentId, { host: 'compute', ip: address }, a.mode ?? 'rw');
      return { driver_volume_type: c.driver_volume_type, data: c.data, serial: volumeId };
    },
    detach: (volumeId, attachmentId) => driver.unexportVolume(volumeId, attachmentId),
    async close() {
      await driver.close();
      await daemon.stop();
      done();
    },
  };
}
