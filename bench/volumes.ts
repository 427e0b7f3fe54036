/**
 * Volume figures: the file volume driver's creation rate (empty 1 GiB
 * volumes, qcow2 and raw) and, on a real guest (the qemu driver under
 * TCG, a qemu-storage-daemon export with TLS-PSK on 127.0.0.1), attach and
 * detach latency: the driver's call, and attach until the guest reports the
 * disk (its disk-watch polls every second).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DriverVolume } from '../src/virt/driver.ts';
import { IMAGE_ID, makeDriver, makeInstance, makeWorld, waitFor } from '../test/integration/qemu-support.ts';
import { qemuSkip, volumeToolsSkip } from '../test/support/backends.ts';
import { testVolumeHost } from '../test/support/nbd-volumes.ts';
import { ms, printTable, summary } from './stats.ts';

const CREATES = 20;
const ATTACHES = 5;

async function creationRate(format: 'qcow2' | 'raw'): Promise<(string | number)[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-volumes-'));
  const vh = await testVolumeHost(dir, { format });
  try {
    const t0 = performance.now();
    for (let i = 0; i < CREATES; i++) await vh.driver.createVolume(randomUUID(), 1, { kind: 'empty' });
    const s = (performance.now() - t0) / 1000;
    return [`create empty 1 GiB volumes (${format}, ${CREATES} in a row)`, `${(CREATES / s).toFixed(1)}/s`, ms((s * 1000) / CREATES)];
  } finally {
    await vh.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function attachLatency(): Promise<(string | number)[][]> {
  const world = makeWorld();
  const driver = makeDriver(world);
  await driver.initHost('bench', []);
  const vh = await testVolumeHost(path.join(world.root, 'volume-host'));
  const inst = makeInstance(randomUUID(), 'bench-volumes');
  const call: number[] = [];
  const seen: number[] = [];
  const detach: number[] = [];
  const lines = async () => (await driver.getConsoleOutput(inst)).split('\n');
  try {
    await driver.spawn(inst, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
    await waitFor('the guest boots', 180_000, async () => ((await lines()).some((l) => l.includes('NOVA-GUEST-BOOT-OK')) ? true : undefined));
    for (let i = 0; i < ATTACHES; i++) {
      const id = randomUUID();
      const v: DriverVolume = {
        volume_id: id,
        connection_info: await vh.attach(id),
        mount_device: '/dev/vdb',
        disk_bus: 'virtio',
        device_type: 'disk',
        boot_index: null,
        tag: null,
      };
      const mark = Math.max(0, (await lines()).length - 2); // the last line again: the guest may be writing it
      const t0 = performance.now();
      await driver.attachVolume(inst, v);
      call.push(performance.now() - t0);
      const serial = `serial=${id.slice(0, 20)}`;
      await waitFor('the guest sees the disk', 60_000, async () => ((await lines()).slice(mark).some((l) => l.includes(serial)) ? true : undefined));
      seen.push(performance.now() - t0);
      const t1 = performance.now();
      await driver.detachVolume(inst, v);
      detach.push(performance.now() - t1);
      await waitFor('the guest lets the disk go', 60_000, async () => ((await lines()).slice(mark).some((l) => l.includes('NOVA-GUEST-DISK-REMOVED')) ? true : undefined));
    }
  } finally {
    await driver.destroy(inst).catch(() => {});
    await vh.close();
    await driver.cleanupHost();
    fs.rmSync(world.root, { recursive: true, force: true });
  }
  const row = (what: string, samples: number[]) => {
    const s = summary(samples);
    return [what, ms(s.p50), ms(s.max)];
  };
  return [
    row(`attachVolume on a running guest (${ATTACHES}; NBD with TLS-PSK)`, call),
    row('attach until the guest reports the disk (1 s polling)', seen),
    row('detachVolume until DEVICE_DELETED and the nodes deleted', detach),
  ];
}

export async function benchVolumes(): Promise<void> {
  const skip = volumeToolsSkip();
  if (skip) {
    console.log(`\nvolumes: ${skip}`);
    return;
  }
  const rows = [await creationRate('qcow2'), await creationRate('raw')];
  if (await qemuSkip()) rows.push(['attach/detach on a real guest', 'skipped: no qemu-system-x86_64', '']);
  else rows.push(...(await attachLatency()));
  printTable('volumes (file driver; qemu driver, real guest under TCG)', ['what', 'median / rate', 'max / per volume'], rows);
}
