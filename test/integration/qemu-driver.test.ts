import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ConsoleTypeUnavailable } from '../../src/exception/virt.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { diskInfo } from '../../src/virt/qemu/images.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { readPidfile } from '../../src/virt/qemu/process.ts';
import { qemuSkip } from '../support/backends.ts';
import { BANNER, banners, IMAGE_ID, makeDriver, makeInstance, makeWorld, pidsOf, qemuHasSpiceHere, qemuStatus, serialCommand, waitFor } from './qemu-support.ts';

/**
 * The QEMU driver against a real QEMU process running the tiny test guest
 * under TCG, checked from outside the driver: QEMU's own query-status on the
 * second monitor, /proc, the files, the guest's serial console. The driver
 * contract itself (states, errors, resources, adoption) is checked by the
 * driver conformance suite (test/conformance/driver-qemu.test.ts).
 */
describe('qemu driver with real guests', { timeout: 900_000 }, () => {
  let skip: string | undefined;
  let world: ReturnType<typeof makeWorld>;
  const created: InstanceDTO[] = [];
  const image = { id: IMAGE_ID, properties: {} };

  before(async () => {
    skip = await qemuSkip();
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

  const consoleOf = (d: QemuDriver, inst: InstanceDTO) => d.getConsoleOutput(inst);
  /** Wait until the guest has printed its banner `count` times; returns the milliseconds waited. */
  async function bootBanner(d: QemuDriver, inst: InstanceDTO, count: number, timeoutMs = 180_000): Promise<number> {
    const t0 = Date.now();
    await waitFor(`banner #${count} of ${inst.uuid}`, timeoutMs, async () => (banners(await consoleOf(d, inst)) >= count ? true : undefined));
    return Date.now() - t0;
  }

  it('does what it says to the QEMU process: seen from outside the driver', async (t) => {
    if (skip) return t.skip(skip);
    const d = makeDriver(world);
    await d.initHost('qemu-test', []);
    const inst = makeInstance(randomUUID(), 'outside');
    created.push(inst);
    const p = instancePaths(world.instancesPath, inst.uuid);
    const times: Record<string, number> = {};

    let t0 = Date.now();
    await d.spawn(inst, { image, adminPassword: null });
    times.spawn_ms = Date.now() - t0;
    times.spawn_to_banner_ms = times.spawn_ms + (await bootBanner(d, inst, 1));
    assert.match(await d.getConsoleOutput(inst, 20), new RegExp(`${BANNER} .*nics=eth0/fa:16:3e`));
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'running');
    const disk = await diskInfo('qemu-img', p.disk, 'qcow2');
    assert.deepEqual([disk.format, disk.virtualSize, disk.backingFile], ['qcow2', 1024 ** 3, `${world.instancesPath}/_base/${IMAGE_ID}`], 'a qcow2 overlay on the cached base');
    const res = await d.getAvailableResource();
    assert.equal(res.hypervisor_type, 'QEMU');
    assert.ok(res.hypervisor_version >= 2_000_000);
    const vnc = await d.getVncConsole(inst);
    assert.deepEqual([vnc.port, vnc.path], [0, p.vnc]);
    assert.ok(fs.statSync(p.vnc).isSocket());
    assert.equal((await d.getSerialConsole(inst)).path, p.serial);
    const spice = await d.getSpiceConsole(inst).catch((e: unknown) => e);
    if (qemuHasSpiceHere()) assert.ok(fs.statSync((spice as { path: string }).path).isSocket(), 'SPICE on a unix socket');
    else assert.ok(spice instanceof ConsoleTypeUnavailable, 'no SPICE in this QEMU: ConsoleTypeUnavailable');
    assert.equal(d.capabilities.supports_spice_console, qemuHasSpiceHere(), 'the SPICE capability follows the binary');

    await d.pause(inst);
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'paused');
    await d.unpause(inst);
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'running');

    const pid = readPidfile(p.pidfile);
    assert.ok(pid !== null && pidsOf(inst.uuid).includes(pid));
    t0 = Date.now();
    await d.suspend(inst);
    times.suspend_ms = Date.now() - t0;
    assert.deepEqual(pidsOf(inst.uuid), [], 'no QEMU runs for a suspended guest');
    assert.ok(fs.statSync(p.state).size > 10_000_000, 'the state file holds the guest memory');
    t0 = Date.now();
    await d.resume(inst);
    times.resume_ms = Date.now() - t0;
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'running');
    assert.equal(fs.existsSync(p.state), false);
    await serialCommand(p.serial, 'echo nova-$((6*7))-alive', 'nova-42-alive');

    t0 = Date.now();
    await d.reboot(inst, 'HARD');
    await bootBanner(d, inst, 2);
    times.hard_reboot_to_banner_ms = Date.now() - t0;
    t0 = Date.now();
    await d.reboot(inst, 'SOFT');
    times.soft_reboot_ms = Date.now() - t0;
    times.soft_reboot_to_banner_ms = times.soft_reboot_ms + (await bootBanner(d, inst, 3));
    assert.match(await consoleOf(d, inst), /GUEST: ACPI power button, powering off/, 'the soft reboot went through ACPI');

    t0 = Date.now();
    await d.powerOff(inst, 60);
    times.power_off_ms = Date.now() - t0;
    assert.deepEqual(pidsOf(inst.uuid), []);
    await d.powerOn(inst);
    await bootBanner(d, inst, 4);
    t0 = Date.now();
    await d.powerOff(inst, 0);
    times.power_off_forced_ms = Date.now() - t0;
    assert.deepEqual(pidsOf(inst.uuid), []);
    await d.powerOn(inst);
    await d.cleanupHost();

    // nova-compute restarts: the new driver drives the same QEMU, and notices when it is killed.
    const second = makeDriver(world);
    await second.initHost('qemu-test', [inst]);
    assert.deepEqual(pidsOf(inst.uuid), [readPidfile(p.pidfile)], 'the same QEMU, adopted');
    await second.pause(inst);
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'paused');
    await second.unpause(inst);
    assert.equal(await qemuStatus(world.instancesPath, inst.uuid), 'running');
    const adoptedPid = readPidfile(p.pidfile);
    assert.ok(adoptedPid !== null);
    process.kill(adoptedPid, 'SIGKILL');
    await waitFor('the killed QEMU to be gone', 30_000, () => (pidsOf(inst.uuid).length === 0 ? true : undefined));
    assert.equal((await second.getInfo(inst)).state, PowerState.SHUTDOWN, 'a QEMU killed from outside reads as shut down');

    await second.destroy(inst);
    assert.deepEqual(pidsOf(inst.uuid), [], 'no qemu process left');
    assert.equal(fs.existsSync(p.dir), false, 'instance directory removed');
    await second.cleanupHost();
    t.diagnostic(`timings: ${JSON.stringify(times)}`);
    process.stderr.write(`# qemu driver timings: ${JSON.stringify(times)}\n`);
  });
});
