import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { diskInfo } from '../../src/virt/qemu/images.ts';
import { BANNER, IMAGE_ID, makeDriver, makeWorld } from '../integration/qemu-support.ts';
import { qemuSkip, volumeToolsSkip } from '../support/backends.ts';
import { testVolumeHost } from '../support/nbd-volumes.ts';
import { runDriverSuite } from './driver.case.ts';

// Real QEMU guests (the tiny test guest under TCG): VNC, serial and SPICE (when this QEMU has it) on unix sockets.
// The peer host for the moves is a second driver with its own instances_path; both reach each other on 127.0.0.1.
runDriverSuite('qemu.QemuDriver', async () => {
  const reason = await qemuSkip();
  if (reason) return reason;
  const world = makeWorld();
  const peerWorld = { ...world, instancesPath: path.join(world.root, 'peer-instances') };
  // The volume cases attach volumes of a file volume driver served on 127.0.0.1 (TLS-PSK).
  const volumes = volumeToolsSkip() ? undefined : await testVolumeHost(path.join(world.root, 'volume-host'));
  const qemu = { spice_enabled: 'true', console_log_max_bytes: String(4 * 1024 * 1024), shutdown_timeout: '30' };
  return {
    driverName: 'qemu.QemuDriver',
    host: 'qemu-test',
    image: { id: IMAGE_ID, properties: {} },
    make: async () => makeDriver(world, qemu, { my_ip: '127.0.0.1' }),
    boots: (out) => out.split('\n').filter((l) => l.includes(BANNER)).length,
    bootTimeoutMs: 180_000,
    address: '127.0.0.1',
    peer: { host: 'qemu-peer', address: '127.0.0.1', make: async () => makeDriver(peerWorld, qemu, { my_ip: '127.0.0.1', host: 'qemu-peer' }) },
    async checkSnapshot(data, format) {
      assert.equal(format, 'qcow2');
      const file = path.join(world.root, 'snapshot-check.qcow2');
      fs.writeFileSync(file, data);
      const info = await diskInfo('qemu-img', file, 'qcow2');
      assert.equal(info.backingFile, null, 'flattened: no backing file');
      assert.ok(info.virtualSize >= 1024 ** 3, `the root disk's size (${info.virtualSize})`);
      fs.rmSync(file);
    },
    ...(volumes ? { volumeConnection: (volumeId: string) => volumes.attach(volumeId) } : {}),
    cleanup: async () => {
      await volumes?.close();
      fs.rmSync(world.root, { recursive: true, force: true });
    },
  };
});
