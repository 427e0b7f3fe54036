import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { HypervisorError } from '../../src/exception/virt.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { readPidfile } from '../../src/virt/qemu/process.ts';
import { qemuSkip } from '../support/backends.ts';
import { BANNER, banners, configDriveSkip, IMAGE_ID, jsonLine, makeDriver, makeInstance, makeWorld, pidsOf, serialCommand, waitFor } from './qemu-support.ts';

/**
 * Config drives on real guests: the driver builds `disk.config`, QEMU
 * attaches it as the second virtio disk, and the test guest finds it
 * (label config-2), takes its hostname and uuid from meta_data.json and
 * reports `configdrive=/dev/vdb` in its banner. The files are then read
 * from inside the guest over its serial console.
 */
describe('config drives on real guests', { timeout: 900_000 }, () => {
  let skip: string | undefined;
  let world: ReturnType<typeof makeWorld>;
  const created: InstanceDTO[] = [];
  const image = { id: IMAGE_ID, properties: {} };
  const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNvbWUta2V5LWZvci1ub3ZhLXRz cfg@test';
  const USER_DATA = '#!/bin/sh\necho nova-user-data-says-hi\n';

  before(async () => {
    skip = (await qemuSkip()) ?? configDriveSkip('iso9660');
    if (skip) return;
    world = makeWorld();
  });
  after(async () => {
    if (skip || !world) return; // no world: the setup failed before anything started
    const d = makeDriver(world);
    for (const inst of created) await d.destroy(inst).catch(() => {});
    await d.cleanupHost();
    fs.rmSync(world.root, { recursive: true, force: true });
  });

  /** Wait for the `count`th boot banner and return it. */
  async function banner(d: QemuDriver, inst: InstanceDTO, count: number): Promise<string> {
    const text = await waitFor(`banner #${count} of ${inst.uuid}`, 180_000, async () => {
      const out = await d.getConsoleOutput(inst);
      return banners(out) >= count ? out : undefined;
    });
    return text.split('\n').filter((l) => l.includes(BANNER))[count - 1] as string;
  }
  const cmdlineOf = (uuid: string) => {
    const pid = readPidfile(instancePaths(world.instancesPath, uuid).pidfile);
    assert.ok(pid !== null && pidsOf(uuid).includes(pid));
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  };
  const hasDrive = (uuid: string) => cmdlineOf(uuid).some((a) => a.includes('disk.config') && a.includes('readonly=on'));

  it('builds an iso9660 drive the guest reads at boot, keeps it across resume, restart and power off/on, and removes it on destroy', async (t) => {
    if (skip) return t.skip(skip);
    const d = makeDriver(world);
    await d.initHost('qemu-test', []);
    const inst: InstanceDTO = {
      ...makeInstance(randomUUID(), 'cfg-vm-1'),
      config_drive: 'True',
      display_name: 'Config Drive VM',
      metadata: { role: 'cfg-test', greeting: 'hello world' },
      user_data: Buffer.from(USER_DATA).toString('base64'),
      key_name: 'cfgkey',
      key_data: KEY,
      availability_zone: 'az-cfg',
    };
    created.push(inst);
    const p = instancePaths(world.instancesPath, inst.uuid);
    await d.spawn(inst, { image, adminPassword: 'Adm1n-Pa55' });
    assert.ok(fs.statSync(p.configDrive).size > 0, 'disk.config in the instance directory');
    assert.match(execFileSync('isoinfo', ['-d', '-i', p.configDrive], { encoding: 'utf8' }), /Volume id: config-2/);
    assert.ok(hasDrive(inst.uuid), 'QEMU has the drive read-only');

    const first = await banner(d, inst, 1);
    t.diagnostic(`guest: ${first.trim()}`);
    process.stderr.write(`# guest printed: ${first.trim()}\n`);
    assert.match(first, / host=cfg-vm-1\.novalocal /);
    assert.match(first, / configdrive=\/dev\/vdb /);
    assert.match(first, new RegExp(` uuid=${inst.uuid}\\b`));
    assert.match(first, / disks=vda,vdb /);

    const mdOut = await serialCommand(p.serial, 'cat /mnt/config/openstack/latest/meta_data.json; echo; echo MD-$((40+2))', 'MD-42');
    const md = jsonLine(mdOut, 'uuid');
    assert.equal(md.uuid, inst.uuid);
    assert.equal(md.hostname, 'cfg-vm-1.novalocal');
    assert.equal(md.name, 'Config Drive VM');
    assert.equal(md.availability_zone, 'az-cfg');
    assert.equal(md.admin_pass, 'Adm1n-Pa55');
    assert.deepEqual(md.meta, { role: 'cfg-test', greeting: 'hello world' });
    assert.deepEqual(md.public_keys, { cfgkey: KEY });
    const udOut = await serialCommand(p.serial, 'sh /mnt/config/openstack/latest/user_data', 'nova-user-data-says-hi');
    assert.match(udOut, /nova-user-data-says-hi/);
    const ec2Out = await serialCommand(p.serial, 'cat /mnt/config/ec2/latest/meta-data.json; echo; echo EC-$((40+2))', 'EC-42');
    assert.equal(jsonLine(ec2Out, 'ami-id')['instance-id'], `i-${inst.id.toString(16).padStart(8, '0')}`);
    const mounts = await serialCommand(p.serial, 'grep /mnt/config /proc/mounts; echo MNT-$((40+2))', 'MNT-42');
    assert.match(mounts, /\/dev\/vdb \/mnt\/config iso9660 ro/);

    await d.suspend(inst);
    assert.deepEqual(pidsOf(inst.uuid), []);
    await d.resume(inst);
    assert.ok(hasDrive(inst.uuid), 'resumed with the drive');
    await serialCommand(p.serial, 'cat /mnt/config/openstack/latest/user_data', 'nova-user-data-says-hi');
    assert.equal(banners(await d.getConsoleOutput(inst)), 1, 'resumed, not rebooted');

    await d.cleanupHost();
    const adopted = makeDriver(world);
    await adopted.initHost('qemu-test', [inst]);
    assert.equal((await adopted.getInfo(inst)).state, PowerState.RUNNING);
    await adopted.powerOff(inst, 60);
    assert.deepEqual(pidsOf(inst.uuid), []);
    assert.ok(fs.existsSync(p.configDrive), 'the drive survives power off');
    await adopted.powerOn(inst);
    assert.ok(hasDrive(inst.uuid), 'powered on with the drive');
    const second = await banner(adopted, inst, 2);
    assert.match(second, / host=cfg-vm-1\.novalocal .*configdrive=\/dev\/vdb /);

    await adopted.destroy(inst);
    assert.equal(fs.existsSync(p.configDrive), false);
    assert.equal(fs.existsSync(p.dir), false);
    assert.deepEqual(pidsOf(inst.uuid), []);
    await adopted.cleanupHost();
  });

  it('forces a vfat drive with force_config_drive and gives none otherwise', async (t) => {
    if (skip) return t.skip(skip);
    const vfatSkip = configDriveSkip('vfat');
    if (vfatSkip) return t.skip(vfatSkip);
    const forced = makeDriver(world, {}, { force_config_drive: 'true', config_drive_format: 'vfat' });
    const plain = makeDriver(world);
    const a = makeInstance(randomUUID(), 'cfg-vfat-1');
    const b = makeInstance(randomUUID(), 'no-cfg-1');
    created.push(a, b);
    await Promise.all([forced.spawn(a, { image, adminPassword: null }), plain.spawn(b, { image, adminPassword: null })]);
    assert.ok(fs.existsSync(instancePaths(world.instancesPath, a.uuid).configDrive));
    assert.equal(fs.existsSync(instancePaths(world.instancesPath, b.uuid).configDrive), false);
    assert.ok(hasDrive(a.uuid));
    assert.equal(hasDrive(b.uuid), false);
    const [ba, bb] = await Promise.all([banner(forced, a, 1), banner(plain, b, 1)]);
    process.stderr.write(`# guest printed: ${ba.trim()}\n# guest printed: ${bb.trim()}\n`);
    assert.match(ba, new RegExp(` host=cfg-vfat-1\\.novalocal .*configdrive=/dev/vdb uuid=${a.uuid}`));
    assert.doesNotMatch(bb, /configdrive=/);
    assert.match(bb, / disks=vda /);
    const mounts = await serialCommand(instancePaths(world.instancesPath, a.uuid).serial, 'grep /mnt/config /proc/mounts; echo MNT-$((40+2))', 'MNT-42');
    assert.match(mounts, /\/dev\/vdb \/mnt\/config vfat ro/);
    await forced.destroy(a);
    await plain.destroy(b);
    await forced.cleanupHost();
    await plain.cleanupHost();
  });

  it('fails the spawn with a HypervisorError naming a missing mkisofs tool', async (t) => {
    if (skip) return t.skip(skip);
    const d = makeDriver(world, { mkisofs_cmd: 'nova-no-such-genisoimage' });
    const inst = { ...makeInstance(randomUUID(), 'cfg-missing'), config_drive: 'True' };
    created.push(inst);
    await assert.rejects(
      d.spawn(inst, { image, adminPassword: null }),
      (e: unknown) => e instanceof HypervisorError && /nova-no-such-genisoimage is not installed/.test(e.message),
    );
    assert.deepEqual(pidsOf(inst.uuid), [], 'no QEMU was started');
    await d.destroy(inst);
    await d.cleanupHost();
  });
});
