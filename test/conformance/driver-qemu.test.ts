import fs from 'node:fs';
import { BANNER, IMAGE_ID, makeDriver, makeWorld } from '../integration/qemu-support.ts';
import { qemuSkip } from '../support/backends.ts';
import { runDriverSuite } from './driver.case.ts';

// Real QEMU guests (the tiny test guest under TCG): VNC, serial and SPICE (when this QEMU has it) on unix sockets.
runDriverSuite('qemu.QemuDriver', async () => {
  const reason = await qemuSkip();
  if (reason) return reason;
  const world = makeWorld();
  return {
    driverName: 'qemu.QemuDriver',
    host: 'qemu-test',
    image: { id: IMAGE_ID, properties: {} },
    make: async () => makeDriver(world, { spice_enabled: 'true', console_log_max_bytes: String(4 * 1024 * 1024) }, {}),
    boots: (out) => out.split('\n').filter((l) => l.includes(BANNER)).length,
    bootTimeoutMs: 180_000,
    cleanup: async () => fs.rmSync(world.root, { recursive: true, force: true }),
  };
});
