/**
 * Volumes on real guests (the qemu driver's attachVolume / detachVolume and
 * spawn's block_device_info) over NBD from the file volume driver: a
 * qemu-storage-daemon on 127.0.0.1 serves each attachment with its own
 * TLS-PSK key. A volume attached to the running test guest appears in it
 * (its disk-watch prints the disk, its size and the serial Nova gives: the
 * volume id's first 20 characters); a marker written with dd over the
 * serial shell survives a power cycle (the next start's command line has
 * the volume), and a suspend and resume (the state loads into the same
 * devices); the live detach removes the device and the block nodes; the
 * same volume attached to a second guest (a new attachment) reads the
 * marker back, read-only attachments refuse writes; a detach while shut
 * off only changes the next start; a guest boots from a volume made from
 * the guest image (no local disk), which refuses rescue and snapshot (moves
 * with volumes: qemu-volume-moves.test.ts); a write while the volume host's
 * storage daemon is down completes once the volume service has started
 * again ([qemu] volume_reconnect_delay). Needs QEMU and qemu-storage-daemon.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InstanceNotRescuable } from '../../src/exception/lifecycle.ts';
import type { BdmConnectionInfo } from '../../src/objects/block-device.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { DriverVolume } from '../../src/virt/driver.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { QmpClient } from '../../src/virt/qemu/qmp.ts';
import { qemuSkip, volumeToolsSkip } from '../support/backends.ts';
import { testVolumeHost } from '../support/nbd-volumes.ts';
import { GUEST_DIR, IMAGE_ID, makeDriver, makeInstance, makeWorld, serialCommand, waitFor } from './qemu-support.ts';

const skip = (await qemuSkip()) ?? volumeToolsSkip();

function driverVolume(volumeId: string, ci: BdmConnectionInfo, device: string, bootIndex: number | null = null): DriverVolume {
  return { volume_id: volumeId, connection_info: ci, mount_device: device, disk_bus: 'virtio', device_type: 'disk', boot_index: bootIndex, tag: null };
}

/** The block node names of the running guest (its second QMP monitor). */
async function nodeNames(instancesPath: string, uuid: string): Promise<string[]> {
  const qmp = await QmpClient.connect(instancePaths(instancesPath, uuid).monitor, 10_000);
  try {
    const nodes = await qmp.execute('query-named-block-nodes');
    return (Array.isArray(nodes) ? nodes : []).map((n: { 'node-name'?: string }) => n['node-name'] ?? '');
  } finally {
    qmp.close();
  }
}

describe('qemu driver: volumes over NBD', { skip, timeout: 900_000 }, () => {
  it('attaches a volume to a running guest (it sees the disk), keeps it over a power cycle, detaches it, and a second guest reads what the first wrote', async (t) => {
    const world = makeWorld();
    const driver = makeDriver(world, { device_detach_attempts: '3', device_detach_timeout: '10' });
    await driver.initHost('qemu-test', []);
    const vh = await testVolumeHost(path.join(world.root, 'volume-host'));
    const a: InstanceDTO = makeInstance(randomUUID(), 'volume-guest-a');
    const b: InstanceDTO = makeInstance(randomUUID(), 'volume-guest-b');
    const consoleOf = (i: InstanceDTO) => driver.getConsoleOutput(i);
    const here = async (i: InstanceDTO) => Math.max(0, (await consoleOf(i)).split('\n').length - 2);
    const seen = (i: InstanceDTO, what: string, mark: number, pattern: RegExp, timeoutMs = 180_000) =>
      waitFor(what, timeoutMs, async () => {
        const m = pattern.exec((await consoleOf(i)).split('\n').slice(mark).join('\n'));
        return m ?? undefined;
      });
    const q = (word: string) => `${word.slice(0, 2)}""${word.slice(2)}`;
    // The typed line comes back as its echo: split the end word so only the command's output has it.
    const shell = (i: InstanceDTO, cmd: string, done: string) =>
      serialCommand(instancePaths(world.instancesPath, i.uuid).serial, `${cmd}; echo ${q(done)}-$?; echo ${q(done)}-END`, `${done}-END`, 60_000);
    const exitOf = (out: string, done: string) => Number(new RegExp(`${done}-(\\d+)`).exec(out)?.[1]);
    const volumeId = randomUUID();
    const serial = volumeId.slice(0, 20);
    const marker = `NOVA-VOLUME-MARKER-${randomUUID().slice(0, 8)}`;
    const added = new RegExp(`NOVA-GUEST-DISK-ADDED (vd[a-z]) size=1073741824 serial=${serial}`);
    try {
      await driver.spawn(a, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      await seen(a, 'guest A boots', 0, /NOVA-GUEST-BOOT-OK/);

      // Attach: the guest sees a 1 GiB disk with the volume's serial.
      const dvA = driverVolume(volumeId, await vh.attach(volumeId, { attachmentId: 'att-a' }), '/dev/vdb');
      let mark = await here(a);
      const t0 = Date.now();
      await driver.attachVolume(a, dvA);
      const attachedMs = Date.now() - t0;
      const disk = (await seen(a, 'the disk in guest A', mark, added))[1];
      t.diagnostic(`attachVolume ${attachedMs} ms; attach → guest reports ${disk}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await driver.attachVolume(a, dvA); // already attached: nothing to do
      assert.equal((await driver.getInfo(a)).state, PowerState.RUNNING);
      const ids = (await nodeNames(world.instancesPath, a.uuid)).filter((n) => n.endsWith(volumeId.replaceAll('-', '').slice(0, 20)));
      assert.equal(ids.length, 2, `an nbd node and a raw node: ${ids}`);
      const w = await shell(a, `printf '${marker}' | dd of=/dev/${disk} bs=512 count=1 conv=sync,fsync 2>/dev/null`, 'WROTE');
      assert.equal(exitOf(w, 'WROTE'), 0, `the write: ${w.slice(-200)}`);

      // A power cycle: the next start's command line has the volume.
      await driver.powerOff(a, 0);
      mark = await here(a);
      await driver.powerOn(a);
      await seen(a, 'guest A boots again', mark, /NOVA-GUEST-BOOT-OK[^\n]*disks=vda,vdb/);
      const again = await shell(a, `dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -c ${marker.length}; echo`, 'READ');
      assert.ok(again.includes(marker), `the marker after the power cycle: ${again.slice(-200)}`);
      // Suspend to a state file and resume: the started QEMU has the same devices, so the state loads.
      await driver.suspend(a);
      assert.equal((await driver.getInfo(a)).state, PowerState.SUSPENDED);
      await assert.rejects(driver.detachVolume(a, dvA), /suspended to a state file/);
      await driver.resume(a);
      assert.equal((await driver.getInfo(a)).state, PowerState.RUNNING);
      const resumed = await shell(a, `dd if=/dev/vdb bs=512 count=1 2>/dev/null | head -c ${marker.length}; echo`, 'READ');
      assert.ok(resumed.includes(marker), `the marker after a resume: ${resumed.slice(-200)}`);

      // Live detach: the guest lets the disk go, the nodes are deleted; twice is no error.
      mark = await here(a);
      const t1 = Date.now();
      await driver.detachVolume(a, dvA);
      t.diagnostic(`detachVolume ${Date.now() - t1} ms`);
      await seen(a, 'the disk gone from guest A', mark, /NOVA-GUEST-DISK-REMOVED vdb/);
      assert.deepEqual(
        (await nodeNames(world.instancesPath, a.uuid)).filter((n) => n.startsWith('nbd') || n.startsWith('vol')),
        [],
      );
      await driver.detachVolume(a, dvA);
      assert.deepEqual(JSON.parse(fs.readFileSync(instancePaths(world.instancesPath, a.uuid).volumes, 'utf8')), []);
      await vh.detach(volumeId, 'att-a');

      // A second guest, a new attachment: the marker is there; read-only refuses writes.
      await driver.spawn(b, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      await seen(b, 'guest B boots', 0, /NOVA-GUEST-BOOT-OK/);
      const dvB = driverVolume(volumeId, await vh.attach(volumeId, { attachmentId: 'att-b', mode: 'ro' }), '/dev/vdb');
      mark = await here(b);
      await driver.attachVolume(b, dvB);
      const diskB = (await seen(b, 'the disk in guest B', mark, added))[1];
      const read = await shell(b, `dd if=/dev/${diskB} bs=512 count=1 2>/dev/null | head -c ${marker.length}; echo`, 'READ');
      assert.ok(read.includes(marker), `guest B reads the marker: ${read.slice(-200)}`);
      const ro = await shell(b, `echo x | dd of=/dev/${diskB} bs=512 count=1 conv=sync,fsync 2>/dev/null`, 'ROWRITE');
      assert.notEqual(exitOf(ro, 'ROWRITE'), 0, 'a read-only attachment refuses writes');

      // Detach while shut off: only the next start changes.
      await driver.powerOff(b, 0);
      await driver.detachVolume(b, dvB);
      assert.equal((await driver.getInfo(b)).state, PowerState.SHUTDOWN);
      mark = await here(b);
      await driver.powerOn(b);
      await seen(b, 'guest B boots without it', mark, /NOVA-GUEST-BOOT-OK[^\n]*disks=vda /);
      await vh.detach(volumeId, 'att-b');
    } finally {
      await driver.destroy(a).catch(() => {});
      await driver.destroy(b).catch(() => {});
      await vh.close();
    }
  });

  it('guest I/O waits out a restart of the volume host (the storage daemon killed, the volume service started again)', async (t) => {
    const world = makeWorld();
    const driver = makeDriver(world, { volume_reconnect_delay: '60' });
    await driver.initHost('qemu-test', []);
    const vh = await testVolumeHost(path.join(world.root, 'volume-host'));
    const inst = makeInstance(randomUUID(), 'volume-restart');
    const volumeId = randomUUID();
    const text = () => driver.getConsoleOutput(inst);
    try {
      await driver.spawn(inst, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      await waitFor('the guest boots', 180_000, async () => ((await text()).includes('NOVA-GUEST-BOOT-OK') ? true : undefined));
      await driver.attachVolume(inst, driverVolume(volumeId, await vh.attach(volumeId), '/dev/vdb'));
      await waitFor('the disk in the guest', 60_000, async () => ((await text()).includes(`serial=${volumeId.slice(0, 20)}`) ? true : undefined));
      await vh.crash();
      // A synchronous write while the export is gone, in the background on the guest's shell.
      const serialPath = instancePaths(world.instancesPath, inst.uuid).serial;
      await serialCommand(
        serialPath,
        `(printf OUTAGE | dd of=/dev/vdb bs=512 seek=8 count=1 conv=sync,fsync 2>/dev/null; echo "OUT""AGE-WRITE-$?") & echo "BG""-STARTED"`,
        'BG-STARTED',
        30_000,
      );
      await new Promise((r) => setTimeout(r, 3000));
      assert.ok(!(await text()).includes('OUTAGE-WRITE-'), 'the write waits for the export');
      const t0 = Date.now();
      await vh.restart();
      const done = await waitFor('the write done after the restart', 90_000, async () => /OUTAGE-WRITE-(\d+)/.exec(await text())?.[1]);
      t.diagnostic(`the write completed ${((Date.now() - t0) / 1000).toFixed(1)} s after the volume service started again`);
      assert.equal(done, '0', 'the write succeeded (no I/O error)');
      const read = await serialCommand(serialPath, 'dd if=/dev/vdb bs=512 skip=8 count=1 iflag=direct 2>/dev/null | head -c 6; echo; echo "RE""AD-END"', 'READ-END', 30_000);
      assert.ok(read.includes('OUTAGE'), `the bytes are on the volume: ${read.slice(-200)}`);
    } finally {
      await driver.destroy(inst).catch(() => {});
      await vh.close();
    }
  });

  it('boots a guest from a volume made from the guest image (no local disk)', async (t) => {
    const world = makeWorld();
    const driver = makeDriver(world);
    await driver.initHost('qemu-test', []);
    const vh = await testVolumeHost(path.join(world.root, 'volume-host'));
    const inst: InstanceDTO = { ...makeInstance(randomUUID(), 'bfv-guest'), image_ref: '' };
    const volumeId = randomUUID();
    try {
      const ci = await vh.attach(volumeId, { source: { kind: 'image', path: path.join(GUEST_DIR, 'disk.qcow2'), diskFormat: 'qcow2' } });
      const t0 = Date.now();
      await driver.spawn(inst, {
        image: { id: '', properties: {} },
        adminPassword: null,
        blockDeviceInfo: { root_device_name: '/dev/vda', block_device_mapping: [driverVolume(volumeId, ci, '/dev/vda', 0)] },
      });
      const boot = await waitFor('the guest boots from its volume', 180_000, async () => /NOVA-GUEST-BOOT-OK[^\n]*/.exec(await driver.getConsoleOutput(inst))?.[0]);
      t.diagnostic(`spawn → BOOT-OK from the volume: ${((Date.now() - t0) / 1000).toFixed(1)} s (${boot})`);
      assert.match(boot, /disks=vda /, 'one disk: the volume');
      assert.equal(fs.existsSync(instancePaths(world.instancesPath, inst.uuid).disk), false, 'no local image disk');
      assert.equal((await driver.getInfo(inst)).state, PowerState.RUNNING);
      await assert.rejects(driver.rescue(inst, { id: IMAGE_ID, properties: {} }, null), InstanceNotRescuable);
      await assert.rejects(driver.snapshot(inst, { upload: async () => {} }), /boots from a volume/);
      assert.equal((await driver.getInfo(inst)).state, PowerState.RUNNING, 'rescue and snapshot refused, the guest runs on');
      const serialOut = await serialCommand(instancePaths(world.instancesPath, inst.uuid).serial, 'cat /sys/block/vda/serial; echo; echo SERIAL""-DONE', 'SERIAL-DONE', 30_000);
      assert.ok(serialOut.includes(volumeId.slice(0, 20)), `vda is the volume: ${serialOut.slice(-200)}`);
    } finally {
      await driver.destroy(inst).catch(() => {});
      await vh.close();
    }
  });
});
