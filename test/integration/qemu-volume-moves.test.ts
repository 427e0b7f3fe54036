/**
 * Guests with volumes moved between two hosts by the qemu driver (issue 11):
 * two drivers on instance directories of their own (nothing shared but the
 * image directory), a volume host (the file volume driver's
 * qemu-storage-daemon, TLS-PSK) serving two volumes, and every host
 * connected with an attachment of its own (its own PSK identity), as the
 * manager gives it in the block device info of each move step. A real TCG
 * guest boots on host A with one volume and gets the second hot-plugged;
 * markers written on both with dd over the serial console are read back:
 *
 * - after a live migration to host B (the destination starts with the
 *   volumes at the same PCI slots with its own connections, only the
 *   guest's own disk is mirrored; the guest does not boot again), where it
 *   writes a new marker;
 * - after a cold migration back to host A (it boots there with A's new
 *   attachments), a revert (it boots on B again with B's), and a second
 *   cold migration confirmed (B's kept files gone).
 *
 * - after an evacuation to B (host A's QEMU killed, spawn on B with B's
 *   attachments).
 *
 * A source refuses a destination whose devices are not at its PCI slots
 * (the volumes given in the other order). Every QEMU, the
 * storage daemon and the directories go at the end even when a step fails.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/conf/loader.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { BlockDeviceInfo, DriverVolume } from '../../src/virt/driver.ts';
import type { LiveMigrationProgress } from '../../src/virt/driver-moves.ts';
import { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { qemuSkip, volumeToolsSkip } from '../support/backends.ts';
import { type TestVolumeHost, testVolumeHost } from '../support/nbd-volumes.ts';
import { onCleanup } from '../support/procs.ts';
import { BANNER, GUEST_DIR, IMAGE_ID, makeInstance, makeWorld, pidsOf, serialCommand, waitFor } from './qemu-support.ts';

const skip = (await qemuSkip()) ?? volumeToolsSkip();
const note = (line: string) => process.stderr.write(`# ${line}\n`);
const image = { id: IMAGE_ID, properties: {} };

interface Host {
  readonly name: string;
  readonly driver: QemuDriver;
  readonly instancesPath: string;
  /** The driver's log lines (JSON objects). */
  readonly log: Record<string, unknown>[];
}

/** A compute host: a QEMU driver on a world of its own, logging into an array. */
function makeHost(name: string): Host {
  const world = makeWorld();
  const log: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) log.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const conf = loadConfig({
    env: {},
    overrides: {
      DEFAULT: { state_path: world.root, instances_path: world.instancesPath, my_ip: '127.0.0.1', host: name },
      qemu: { local_image_dir: world.imageDir, shutdown_timeout: '60', device_detach_attempts: '3', device_detach_timeout: '20' },
    },
  });
  const driver = new QemuDriver({ conf, host: name, log: pino({ level: 'info' }, sink) });
  onCleanup(`the qemu driver of ${name}`, () => driver.cleanupHost());
  return { name, driver, instancesPath: world.instancesPath, log };
}

/**
 * What a test does with its guest and volumes on the hosts: new attachments (the block device info of a step), the
 * guest's files and console, markers written and read on its volumes over the serial console (a root volume's far
 * beyond the guest image's partition).
 */
function guestKit(inst: InstanceDTO, vh: TestVolumeHost, vols: string[], root = false) {
  const base = root ? 1_000_000 : 0;
  let attachments = 0;
  /** New attachments of the volumes for `h` (their own PSK identities): the block device info a move step gets. */
  const bdiFor = async (h: Host, which = vols): Promise<BlockDeviceInfo> => {
    const rootImage = { kind: 'image' as const, path: path.join(GUEST_DIR, 'disk.qcow2'), diskFormat: 'qcow2' as const };
    const block_device_mapping: DriverVolume[] = [];
    for (const volumeId of which) {
      const i = vols.indexOf(volumeId);
      const isRoot = root && volumeId === vols[0];
      const ci = await vh.attach(volumeId, { attachmentId: `${h.name}-att-${++attachments}`, sizeGb: 2, ...(isRoot ? { source: rootImage } : {}) });
      block_device_mapping.push({
        volume_id: volumeId,
        connection_info: ci,
        mount_device: isRoot ? '/dev/vda' : `/dev/vd${'bc'[i - (root ? 1 : 0)]}`,
        disk_bus: 'virtio',
        device_type: 'disk',
        boot_index: isRoot ? 0 : null,
        tag: null,
      });
    }
    return { root_device_name: '/dev/vda', block_device_mapping };
  };
  const files = (h: Host) => instancePaths(h.instancesPath, inst.uuid);
  const consoleText = (h: Host) => fs.readFileSync(files(h).consoleLog, 'utf8');
  const banners = (file: string) =>
    fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.includes(BANNER)).length
      : 0;
  const boots = (h: Host) => banners(files(h).consoleLog);
  const waitBoot = (h: Host, n: number) => waitFor(`boot ${n} of the guest on ${h.name}`, 300_000, () => (boots(h) >= n ? true : undefined));
  const q = (word: string) => `${word.slice(0, 2)}""${word.slice(2)}`;
  const shell = (h: Host, cmd: string, done: string) => serialCommand(files(h).serial, `${cmd}; echo ${q(done)}-$?; echo ${q(done)}-END`, `${done}-END`, 120_000);
  /** The guest's disk of a volume, by the serial Nova gives it (its name may change with a boot). */
  const diskOf = (volumeId: string) => `$(for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = ${volumeId.slice(0, 20)} ] && echo /dev/\${d##*/}; done)`;
  const write = async (h: Host, i: number, text: string) => {
    const out = await shell(h, `printf '${text}' | dd of=${diskOf(vols[i] ?? '')} bs=512 seek=${base + i * 8} count=1 conv=sync,fsync 2>/dev/null`, 'WROTE');
    assert.match(out, /WROTE-0/, `the write on ${h.name}: ${out.slice(-300)}`);
  };
  const read = async (h: Host, i: number, text: string) => {
    const out = await shell(h, `dd if=${diskOf(vols[i] ?? '')} bs=512 skip=${base + i * 8} count=1 iflag=direct 2>/dev/null | head -c ${text.length}; echo`, 'READ');
    assert.ok(out.includes(text), `volume ${i} holds ${text} on ${h.name}: ${out.slice(-300)}`);
  };
  const savedUsers = (h: Host) => (JSON.parse(fs.readFileSync(files(h).volumes, 'utf8')) as { pskUser: string }[]).map((v) => v.pskUser);
  const cmdline = (pid: number) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return ''; // gone meanwhile
    }
  };
  const qemusOn = (h: Host) => pidsOf(inst.uuid).filter((p) => cmdline(p).includes(h.instancesPath));
  return { bdiFor, files, consoleText, banners, boots, waitBoot, write, read, savedUsers, qemusOn };
}

describe('qemu driver: moving a guest with NBD volumes between hosts', { skip, timeout: 3_000_000 }, () => {
  it('live-migrates and cold-migrates (revert, confirm) a guest with two volumes; what it wrote is read back each time', async (t) => {
    const a = makeHost('host-a');
    const b = makeHost('host-b');
    await a.driver.initHost(a.name, []);
    await b.driver.initHost(b.name, []);
    const vh = await testVolumeHost(path.join(path.dirname(a.instancesPath), 'volume-host'));
    const inst: InstanceDTO = { ...makeInstance(randomUUID(), 'volume-mover'), host: a.name };
    const vols = [randomUUID(), randomUUID()];
    const markers = vols.map((_, i) => `NOVA-VOLUME-${i}-${randomUUID().slice(0, 8)}`);
    const k = guestKit(inst, vh, vols);
    const { bdiFor, files, consoleText, banners, boots, waitBoot, write, read, savedUsers, qemusOn } = k;
    try {
      // Host A: boots with the first volume, the second is hot-plugged.
      const bootA = await bdiFor(a, vols.slice(0, 1));
      await a.driver.spawn(inst, { image, adminPassword: null, blockDeviceInfo: bootA });
      await waitBoot(a, 1);
      const second = await bdiFor(a, vols.slice(1));
      const hot = second.block_device_mapping[0];
      assert.ok(hot);
      await a.driver.attachVolume(inst, { ...hot, mount_device: '/dev/vdc' });
      await waitFor('the hot-plugged volume in the guest', 120_000, () => (consoleText(a).includes(`serial=${vols[1]?.slice(0, 20)}`) ? true : undefined));
      for (const [i, m] of markers.entries()) await write(a, i, m);

      // A destination that would put the volumes at other PCI slots (given them in the other order): refused, the guest runs on.
      const swapped = await bdiFor(b);
      const wrong = await b.driver.preLiveMigration(inst, true, { ...swapped, block_device_mapping: [...swapped.block_device_mapping].reverse() });
      await assert.rejects(
        a.driver.liveMigration(inst, { host: b.name, address: '127.0.0.1' }, wrong, () => {}),
        /not be at the same PCI slots/,
      );
      await b.driver.rollbackLiveMigrationAtDestination(inst);
      assert.deepEqual(qemusOn(b), [], "B's incoming QEMU is gone");
      assert.equal((await a.driver.getInfo(inst)).state, PowerState.RUNNING, 'the refused migration left the guest running on A');
      for (const v of swapped.block_device_mapping) await vh.detach(v.volume_id, String(v.connection_info.data.psk_user));

      // Live migration A → B: B's incoming QEMU has the volumes with B's attachments.
      const toB = await bdiFor(b);
      const t0 = Date.now();
      const data = await b.driver.preLiveMigration(inst, true, toB);
      assert.deepEqual(
        savedUsers(b),
        toB.block_device_mapping.map((v) => v.connection_info.data.psk_user),
        "B's volumes.json has B's attachments",
      );
      assert.match(String(data.pci_layout), /=volume-/, `the destination says where its volumes are: ${data.pci_layout}`);
      let last: LiveMigrationProgress | null = null;
      await a.driver.liveMigration(inst, { host: b.name, address: '127.0.0.1' }, data, (p) => {
        last = p;
      });
      await b.driver.postLiveMigrationAtDestination(inst);
      const liveMs = Date.now() - t0;
      const done = a.log.find((l) => l.msg === 'live migration completed; the guest runs on the destination');
      note(`live migration with 2 volumes: ${liveMs} ms pre_live_migration → arrived; ${JSON.stringify(done)}`);
      t.diagnostic(
        `live migration ${liveMs} ms, QEMU downtime ${String(done?.downtime_ms)} ms, paused → completed ${String(done?.switchover_ms)} ms, disk mirrored ${String(done?.disk_bytes)} bytes`,
      );
      assert.equal(done?.mirrored, true);
      // Only the guest's own 1 GiB disk was mirrored, not the two 2 GiB volumes.
      assert.ok(Number(done?.disk_bytes) <= 1024 ** 3, `mirrored ${String(done?.disk_bytes)} bytes`);
      assert.ok(last !== null);
      assert.equal(boots(b), 0, 'the guest did not boot again on B');
      assert.deepEqual(qemusOn(a), [], "A's QEMU ended (its NBD connections with it)");
      for (const [i, m] of markers.entries()) await read(b, i, m);
      const onB = `NOVA-VOLUME-B-${randomUUID().slice(0, 8)}`;
      await write(b, 1, onB);
      await a.driver.destroy(inst); // the manager cleans the source up
      for (const v of bootA.block_device_mapping.concat(second.block_device_mapping)) await vh.detach(v.volume_id, String(v.connection_info.data.psk_user));

      // Cold migration B → A, then revert: the guest boots on A with A's attachments, then on B again with B's.
      const info = await b.driver.migrateDiskAndPowerOff(inst, { host: a.name, address: '127.0.0.1' }, 60);
      assert.equal(info.volumes, 2);
      const toA = await bdiFor(a);
      const t1 = Date.now();
      await a.driver.finishMigration(inst, info, image, true, toA);
      await waitBoot(a, 1);
      note(`cold migration with 2 volumes: finishMigration → booted on A ${Date.now() - t1} ms`);
      assert.match(
        consoleText(a)
          .split('\n')
          .find((l) => l.includes(BANNER)) ?? '',
        /disks=vda,vdb,vdc\b/,
      );
      assert.deepEqual(
        savedUsers(a),
        toA.block_device_mapping.map((v) => v.connection_info.data.psk_user),
      );
      await read(a, 0, markers[0] ?? '');
      await read(a, 1, onB);
      await a.driver.destroy(inst); // revert: the manager destroys the destination's guest
      const backB = await bdiFor(b);
      const bootsB = banners(path.join(`${files(b).dir}_resize`, path.basename(files(b).consoleLog)));
      await b.driver.finishRevertMigration(inst, true, backB);
      await waitBoot(b, bootsB + 1);
      assert.deepEqual(
        savedUsers(b),
        backB.block_device_mapping.map((v) => v.connection_info.data.psk_user),
        'the reverted guest has its new attachments',
      );
      await read(b, 1, onB);

      // Cold migration B → A confirmed: B drops what it kept.
      const info2 = await b.driver.migrateDiskAndPowerOff(inst, { host: a.name, address: '127.0.0.1' }, 60);
      await a.driver.finishMigration(inst, info2, image, true, await bdiFor(a));
      await waitBoot(a, 1);
      await b.driver.confirmMigration(inst);
      assert.equal(fs.existsSync(`${files(b).dir}_resize`), false, 'B dropped its kept files');
      await read(a, 0, markers[0] ?? '');
      await read(a, 1, onB);

      // Host A dies; the guest is evacuated to B (spawn with B's attachments): what A wrote last is there.
      const onA = `NOVA-VOLUME-A-${randomUUID().slice(0, 8)}`;
      await write(a, 0, onA);
      for (const pid of qemusOn(a)) process.kill(pid, 'SIGKILL');
      await waitFor("A's QEMU to die", 30_000, () => (qemusOn(a).length === 0 ? true : undefined));
      const t2 = Date.now();
      await b.driver.spawn(inst, { image, adminPassword: null, blockDeviceInfo: await bdiFor(b) });
      await waitBoot(b, 1);
      note(`evacuate with 2 volumes: spawn → booted on B ${Date.now() - t2} ms`);
      await read(b, 0, onA);
      await read(b, 1, onB);
    } finally {
      await a.driver.destroy(inst).catch(() => {});
      await b.driver.destroy(inst).catch(() => {});
      await b.driver.confirmMigration(inst).catch(() => {});
      await vh.close();
    }
  });
  it('live-migrates and cold-migrates a guest booted from a volume (nothing to copy but memory)', async (t) => {
    const a = makeHost('bfv-a');
    const b = makeHost('bfv-b');
    await a.driver.initHost(a.name, []);
    await b.driver.initHost(b.name, []);
    const vh = await testVolumeHost(path.join(path.dirname(a.instancesPath), 'volume-host'));
    const inst: InstanceDTO = { ...makeInstance(randomUUID(), 'bfv-mover'), host: a.name, image_ref: '' };
    const vols = [randomUUID()];
    const { bdiFor, files, boots, waitBoot, write, read, savedUsers, qemusOn } = guestKit(inst, vh, vols, true);
    const marker = `NOVA-ROOT-${randomUUID().slice(0, 8)}`;
    const noImage = { id: '', properties: {} };
    try {
      await a.driver.spawn(inst, { image: noImage, adminPassword: null, blockDeviceInfo: await bdiFor(a) });
      await waitBoot(a, 1);
      await write(a, 0, marker);

      const toB = await bdiFor(b);
      const t0 = Date.now();
      const data = await b.driver.preLiveMigration(inst, true, toB);
      assert.equal(data.nbd_port, null, 'no disk export: the guest has no disk of its own');
      assert.equal(fs.existsSync(files(b).disk), false);
      await a.driver.liveMigration(inst, { host: b.name, address: '127.0.0.1' }, data, () => {});
      await b.driver.postLiveMigrationAtDestination(inst);
      const done = a.log.find((l) => l.msg === 'live migration completed; the guest runs on the destination');
      t.diagnostic(`live migration from a root volume ${Date.now() - t0} ms, QEMU downtime ${String(done?.downtime_ms)} ms, paused → completed ${String(done?.switchover_ms)} ms`);
      assert.equal(done?.mirrored, false, 'nothing mirrored');
      assert.equal(boots(b), 0, 'no boot on B');
      assert.deepEqual(qemusOn(a), []);
      assert.deepEqual(savedUsers(b), [toB.block_device_mapping[0]?.connection_info.data.psk_user]);
      await read(b, 0, marker);
      await a.driver.destroy(inst);

      const info = await b.driver.migrateDiskAndPowerOff(inst, { host: a.name, address: '127.0.0.1' }, 60);
      assert.equal(info.boots_from_volume, true);
      const t1 = Date.now();
      await a.driver.finishMigration(inst, info, noImage, true, await bdiFor(a));
      await waitBoot(a, 1);
      t.diagnostic(`cold migration from a root volume: finishMigration → booted ${Date.now() - t1} ms`);
      assert.equal(fs.existsSync(files(a).disk), false, 'still no local disk');
      await read(a, 0, marker);
      await b.driver.confirmMigration(inst);
      assert.equal(fs.existsSync(`${files(b).dir}_resize`), false);
    } finally {
      await a.driver.destroy(inst).catch(() => {});
      await b.driver.destroy(inst).catch(() => {});
      await b.driver.confirmMigration(inst).catch(() => {});
      await vh.close();
    }
  });
});
