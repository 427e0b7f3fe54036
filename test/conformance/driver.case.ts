import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceNotFound, InstanceNotRunning } from '../../src/exception/instance.ts';
import { ConsoleTypeUnavailable, DriverNotSupported, HypervisorError } from '../../src/exception/virt.ts';
import type { BdmConnectionInfo } from '../../src/objects/block-device.ts';
import { DRIVER_CAPABILITIES, type DriverCapability } from '../../src/objects/compute-node.ts';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import type { ImageMeta } from '../../src/objects/request-spec.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { ComputeDriver, ConsoleEndpoint, HostResources } from '../../src/virt/driver.ts';
import { driverClass } from '../../src/virt/registry.ts';
import { instanceFixture, NANO } from '../support/instances.ts';
import { moveCases, type PeerHost } from './driver-moves.case.ts';

/** One driver under test, on one host. */
export interface DriverHarness {
  /** Its `[DEFAULT] compute_driver` name (the class capabilities come from the registry). */
  readonly driverName: string;
  /** The host the drivers run on (hypervisor_hostname). */
  readonly host: string;
  /** The image instances boot from. */
  readonly image: ImageMeta;
  /** A new driver on the host, as nova-compute builds it at each (re)start; the suite calls initHost. */
  make(): Promise<ComputeDriver>;
  /** How many times the guest has booted, read from its console output. */
  boots(consoleOutput: string): number;
  /** How long a guest may take to show a boot on its console (0: at once). */
  readonly bootTimeoutMs: number;
  /** Where this host's hypervisor is reached by other hosts ([DEFAULT] my_ip). */
  readonly address: string;
  /** A second host for the move cases (cold and live migration); without one they are skipped. */
  readonly peer?: PeerHost;
  /** Extra checks of a snapshot's bytes. */
  checkSnapshot?(data: Buffer, format: 'qcow2' | 'raw'): Promise<void>;
  /** A served volume's connection_info for the volume cases (a driver that connects at attach needs one); without it they use an export nobody serves. */
  volumeConnection?(volumeId: string): Promise<BdmConnectionInfo>;
  cleanup(): Promise<void>;
}

/** The flavor every instance of the suite has. */
const FLAVOR = { vcpus: 1, memory_mb: 128, root_gb: 1 } as const;

/** An instance of the suite's flavor (1 vCPU, 128 MiB, 1 GiB), being spawned on `host`. */
export function testInstance(name: string, image: ImageMeta, host: string): InstanceDTO {
  return instanceFixture({ display_name: name, host, image_ref: image.id, flavor: { ...NANO, ...FLAVOR } });
}

type Used = Pick<HostResources, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used'>;
const usedOf = (r: HostResources): Used => ({ vcpus_used: r.vcpus_used, memory_mb_used: r.memory_mb_used, local_gb_used: r.local_gb_used });
const plusGuests = (u: Used, n: number): Used => ({
  vcpus_used: u.vcpus_used + n * FLAVOR.vcpus,
  memory_mb_used: u.memory_mb_used + n * FLAVOR.memory_mb,
  local_gb_used: u.local_gb_used + n * FLAVOR.root_gb,
});
const lines = (text: string) => text.split('\n').filter((l) => l !== '');

/** The consoles of the contract, with the capability that promises each. */
const CONSOLES: readonly { type: string; capability: DriverCapability; get: (d: ComputeDriver, i: InstanceDTO) => Promise<ConsoleEndpoint> }[] = [
  { type: 'novnc', capability: 'supports_vnc_console', get: (d, i) => d.getVncConsole(i) },
  { type: 'serial', capability: 'supports_serial_console', get: (d, i) => d.getSerialConsole(i) },
  { type: 'spice-html5', capability: 'supports_spice_console', get: (d, i) => d.getSpiceConsole(i) },
];

/**
 * The ComputeDriver contract (src/virt/driver.ts) every driver keeps, as
 * nova-compute relies on it: lifecycle, power states, console output and
 * consoles, resources, adoption after a restart, and the error cases. A
 * capability the driver reports as off turns its case into a check of the
 * refusal. The cases share one guest (and a second one for adoption) and
 * run in order; each first brings the guest into the state it needs.
 */
export function runDriverSuite(name: string, setup: () => Promise<DriverHarness | string>): void {
  describe(`ComputeDriver contract: ${name}`, { timeout: 600_000 }, () => {
    let h: DriverHarness;
    let skip: string | undefined;
    let d: ComputeDriver;
    const drivers: ComputeDriver[] = [];
    const spawned: InstanceDTO[] = [];
    /** Guests the move cases left with a driver of theirs (the peer's, or this host's). */
    const tracked: { driver: ComputeDriver; inst: InstanceDTO }[] = [];
    let guest: InstanceDTO;
    let baseline: Used;

    before(async () => {
      const r = await setup();
      if (typeof r === 'string') {
        skip = r;
        return;
      }
      h = r;
      d = await h.make();
      drivers.push(d);
      await d.initHost(h.host, []);
      guest = testInstance('conformance-a', h.image, h.host);
    });
    after(async () => {
      if (skip) return;
      // Leave no guest behind, whatever failed: the newest driver knows the most.
      for (const inst of spawned) await d.destroy(inst).catch((e: unknown) => process.stderr.write(`# could not destroy ${inst.uuid}: ${String(e)}\n`));
      for (const { driver, inst } of tracked) await driver.destroy(inst).catch((e: unknown) => process.stderr.write(`# could not destroy ${inst.uuid}: ${String(e)}\n`));
      for (const { driver } of tracked) await driver.cleanupHost?.();
      for (const drv of drivers) await drv.cleanupHost?.();
      await h.cleanup();
    });

    const can = (c: DriverCapability) => d.capabilities[c];
    const state = async (inst: InstanceDTO) => (await d.getInfo(inst)).state;
    const boots = async (inst: InstanceDTO, driver = d) => h.boots(await driver.getConsoleOutput(inst));

    /** Wait until the guest has booted `count` times in all. */
    async function waitBoots(inst: InstanceDTO, count: number, driver = d): Promise<void> {
      const deadline = Date.now() + h.bootTimeoutMs;
      for (;;) {
        const n = await boots(inst, driver);
        if (n >= count) return;
        if (Date.now() >= deadline) assert.fail(`the guest booted ${n} times, expected ${count}`);
        await sleep(200);
      }
    }

    /** Run `action`, which must boot the guest once more (and leave it running). */
    async function booting(inst: InstanceDTO, action: () => Promise<void>): Promise<void> {
      const n = await boots(inst);
      await action();
      assert.equal(await state(inst), PowerState.RUNNING);
      await waitBoots(inst, n + 1);
    }

    /** Bring the guest to RUNNING (and booted) whatever a previous case left. */
    async function ensureRunning(inst: InstanceDTO): Promise<void> {
      const s = await state(inst);
      if (s === PowerState.PAUSED && can('supports_pause')) await d.unpause(inst);
      else if (s === PowerState.SUSPENDED && can('supports_suspend')) await d.resume(inst);
      else if (s !== PowerState.RUNNING) await booting(inst, () => d.powerOn(inst));
      assert.equal(await state(inst), PowerState.RUNNING);
      await waitBoots(inst, 1);
    }

    async function used(): Promise<Used> {
      return usedOf(await d.getAvailableResource());
    }

    it('reports sane host resources, every capability, and the class capabilities of its registry entry', async (t) => {
      if (skip) return t.skip(skip);
      const r = await d.getAvailableResource();
      assert.equal(r.hypervisor_hostname, h.host);
      assert.ok(r.hypervisor_type.length > 0);
      assert.ok(Number.isInteger(r.hypervisor_version) && r.hypervisor_version > 0, `hypervisor_version ${r.hypervisor_version}`);
      for (const k of ['vcpus', 'memory_mb', 'local_gb'] as const) assert.ok(Number.isInteger(r[k]) && r[k] > 0, `${k} = ${r[k]}`);
      assert.deepEqual(usedOf(r), { vcpus_used: 0, memory_mb_used: 0, local_gb_used: 0 }, 'a fresh host uses nothing');
      assert.ok(r.disk_available_least === null || r.disk_available_least <= r.local_gb);
      const cpu: unknown = JSON.parse(r.cpu_info);
      assert.ok(cpu !== null && typeof cpu === 'object' && 'arch' in cpu && typeof cpu.arch === 'string', `cpu_info ${r.cpu_info}`);
      assert.deepEqual(Object.keys(d.capabilities).sort(), [...DRIVER_CAPABILITIES].sort());
      for (const c of DRIVER_CAPABILITIES) assert.equal(typeof d.capabilities[c], 'boolean', c);
      assert.equal(driverClass(h.driverName).capabilities.has_imagecache, d.capabilities.has_imagecache, 'has_imagecache is known before the driver is built');
      assert.deepEqual(await d.listInstances(), []);
      baseline = usedOf(r);
    });

    it('spawns a guest that runs, is listed and counts its flavor; a second spawn of it fails', async (t) => {
      if (skip) return t.skip(skip);
      await d.spawn(guest, { image: h.image, adminPassword: null });
      spawned.push(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      assert.ok((await d.listInstances()).includes(guest.uuid));
      assert.deepEqual(await used(), plusGuests(baseline, 1));
      await waitBoots(guest, 1);
      await assert.rejects(d.spawn(guest, { image: h.image, adminPassword: null }), HypervisorError);
      assert.equal(await state(guest), PowerState.RUNNING, 'the failed second spawn left the guest alone');
      assert.deepEqual(await used(), plusGuests(baseline, 1), 'counted once');
    });

    it('answers InstanceNotFound for an instance it does not know, and destroys one without complaint', async (t) => {
      if (skip) return t.skip(skip);
      const ghost = testInstance('ghost', h.image, h.host);
      const notFound = (e: unknown) => e instanceof InstanceNotFound && e.message.includes(ghost.uuid);
      await assert.rejects(d.getInfo(ghost), notFound);
      await assert.rejects(d.reboot(ghost, 'SOFT'), notFound);
      await assert.rejects(d.reboot(ghost, 'HARD'), notFound);
      await assert.rejects(d.powerOff(ghost, 0), notFound);
      await assert.rejects(d.powerOn(ghost), notFound);
      await assert.rejects(d.getConsoleOutput(ghost), notFound);
      const pausing = can('supports_pause') ? notFound : DriverNotSupported;
      await assert.rejects(d.pause(ghost), pausing);
      await assert.rejects(d.unpause(ghost), pausing);
      const suspending = can('supports_suspend') ? notFound : DriverNotSupported;
      await assert.rejects(d.suspend(ghost), suspending);
      await assert.rejects(d.resume(ghost), suspending);
      for (const c of CONSOLES) await assert.rejects(c.get(d, ghost), can(c.capability) ? notFound : ConsoleTypeUnavailable, c.type);
      await d.destroy(ghost);
      assert.ok(!(await d.listInstances()).includes(ghost.uuid));
      assert.deepEqual(await used(), plusGuests(baseline, 1), 'the ghost took nothing');
    });

    it('powers off (forced and clean) and on, each idempotent; a stopped guest keeps its resources and console', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      await d.powerOff(guest, 0);
      assert.equal(await state(guest), PowerState.SHUTDOWN);
      await booting(guest, () => d.powerOn(guest));
      const n = await boots(guest);
      await d.powerOn(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      assert.equal(await boots(guest), n, 'powering on a running guest does not boot it again');
      await d.powerOff(guest, 60);
      assert.equal(await state(guest), PowerState.SHUTDOWN);
      await d.powerOff(guest, 0);
      assert.equal(await state(guest), PowerState.SHUTDOWN);
      assert.deepEqual(await used(), plusGuests(baseline, 1), 'a stopped guest keeps its resources');
      assert.ok((await d.listInstances()).includes(guest.uuid));
      assert.equal(await boots(guest), n, 'the console output survives the power off');
    });

    it('refuses to pause, suspend or give a console of a stopped guest (InstanceNotRunning)', async (t) => {
      if (skip) return t.skip(skip);
      await d.powerOff(guest, 0);
      await assert.rejects(d.pause(guest), can('supports_pause') ? InstanceNotRunning : DriverNotSupported);
      await assert.rejects(d.unpause(guest), can('supports_pause') ? InstanceNotRunning : DriverNotSupported);
      await assert.rejects(d.suspend(guest), can('supports_suspend') ? InstanceNotRunning : DriverNotSupported);
      for (const c of CONSOLES) await assert.rejects(c.get(d, guest), can(c.capability) ? InstanceNotRunning : ConsoleTypeUnavailable, c.type);
      assert.equal(await state(guest), PowerState.SHUTDOWN);
    });

    it('reboots hard (also a stopped guest) and soft, booting the guest again each time', async (t) => {
      if (skip) return t.skip(skip);
      await d.powerOff(guest, 0);
      await booting(guest, () => d.reboot(guest, 'HARD'));
      await booting(guest, () => d.reboot(guest, 'SOFT'));
      await booting(guest, () => d.reboot(guest, 'HARD'));
    });

    it('returns the console output, and the last maxLines lines of it (none for 0)', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      // After the boots of the cases before, the output has a line per boot at least.
      const full = await d.getConsoleOutput(guest);
      assert.ok(full.endsWith('\n') && lines(full).length >= 3, JSON.stringify(full.slice(-300)));
      // Blank lines count as lines (Nova's _tail_log splits on newlines).
      const exact = (text: string) => text.replace(/\n$/, '').split('\n');
      const one = exact(await d.getConsoleOutput(guest, 1));
      assert.equal(one.length, 1);
      assert.ok(exact(await d.getConsoleOutput(guest)).includes(one[0] as string), 'the last line is one of the output');
      assert.equal(exact(await d.getConsoleOutput(guest, 2)).length, 2);
      assert.equal(await d.getConsoleOutput(guest, 0), '');
      assert.ok(lines(await d.getConsoleOutput(guest, 1_000_000)).length >= lines(full).length);
    });

    it('pauses and unpauses without a reboot; pausing a paused or unpausing a running guest changes nothing', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      if (!can('supports_pause')) {
        await assert.rejects(d.pause(guest), DriverNotSupported);
        await assert.rejects(d.unpause(guest), DriverNotSupported);
        assert.equal(await state(guest), PowerState.RUNNING);
        return;
      }
      const n = await boots(guest);
      await d.pause(guest);
      assert.equal(await state(guest), PowerState.PAUSED);
      await d.pause(guest);
      assert.equal(await state(guest), PowerState.PAUSED);
      assert.deepEqual(await used(), plusGuests(baseline, 1));
      await d.unpause(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      await d.unpause(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      assert.equal(await boots(guest), n);
    });

    it('suspends and resumes without a reboot; both idempotent', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      if (!can('supports_suspend')) {
        await assert.rejects(d.suspend(guest), DriverNotSupported);
        await assert.rejects(d.resume(guest), DriverNotSupported);
        assert.equal(await state(guest), PowerState.RUNNING);
        return;
      }
      const n = await boots(guest);
      await d.suspend(guest);
      assert.equal(await state(guest), PowerState.SUSPENDED);
      await d.suspend(guest);
      assert.equal(await state(guest), PowerState.SUSPENDED);
      assert.deepEqual(await used(), plusGuests(baseline, 1), 'a suspended guest keeps its resources');
      assert.ok((await d.listInstances()).includes(guest.uuid));
      await d.resume(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      await d.resume(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      assert.equal(await boots(guest), n, 'resumed, not rebooted');
    });

    it('gives the consoles it has (also of a paused guest), ConsoleTypeUnavailable for the others', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      const check = async () => {
        for (const c of CONSOLES) {
          if (!can(c.capability)) {
            await assert.rejects(c.get(d, guest), (e: unknown) => e instanceof ConsoleTypeUnavailable && e.message === `Unavailable console type ${c.type}.`, c.type);
            continue;
          }
          const e = await c.get(d, guest);
          assert.ok(e.host.length > 0, `${c.type}: ${JSON.stringify(e)}`);
          assert.ok(e.port > 0 || (e.path ?? '').length > 0, `${c.type} has a port or a socket path: ${JSON.stringify(e)}`);
        }
      };
      await check();
      if (can('supports_pause')) {
        await d.pause(guest);
        await check();
        await d.unpause(guest);
      }
    });

    moveCases({
      get skip() {
        return skip;
      },
      get d() {
        return d;
      },
      get host() {
        return h.host;
      },
      get address() {
        return h.address;
      },
      get image() {
        return h.image;
      },
      get peer() {
        return h.peer;
      },
      get guest() {
        return guest;
      },
      get checkSnapshot() {
        return h.checkSnapshot?.bind(h);
      },
      get volumeConnection() {
        return h.volumeConnection?.bind(h);
      },
      newInstance: (name) => testInstance(name, h.image, h.host),
      ensureRunning,
      waitBoots,
      track: (driver, inst) => void tracked.push({ driver, inst }),
    });

    it('a new driver on the same host adopts the running and paused guests in initHost', async (t) => {
      if (skip) return t.skip(skip);
      await ensureRunning(guest);
      const second = testInstance('conformance-b', h.image, h.host);
      await d.spawn(second, { image: h.image, adminPassword: null });
      spawned.push(second);
      const paused = can('supports_pause');
      if (paused) await d.pause(guest);
      const n = await boots(guest);
      // What the database says of them when nova-compute starts again.
      const known = [
        { ...guest, vm_state: paused ? 'paused' : 'active', task_state: null, power_state: paused ? PowerState.PAUSED : PowerState.RUNNING },
        { ...second, vm_state: 'active', task_state: null, power_state: PowerState.RUNNING },
      ];
      await d.cleanupHost?.();
      d = await h.make();
      drivers.push(d);
      await d.initHost(h.host, known);
      if (!can('guests_survive_restart')) {
        for (const inst of known) {
          const s = await d.getInfo(inst).then(
            (i) => i.state,
            (e: unknown) => (e instanceof InstanceNotFound ? null : Promise.reject(e)),
          );
          assert.ok(s === null || s === PowerState.SHUTDOWN || s === PowerState.NOSTATE, `a guest that did not survive the restart is not running (${s})`);
        }
        return;
      }
      assert.equal(await state(guest), paused ? PowerState.PAUSED : PowerState.RUNNING);
      assert.equal(await state(second), PowerState.RUNNING);
      const listed = await d.listInstances();
      assert.ok(listed.includes(guest.uuid) && listed.includes(second.uuid), listed.join(','));
      assert.deepEqual(await used(), plusGuests(baseline, 2));
      if (paused) await d.unpause(guest);
      assert.equal(await state(guest), PowerState.RUNNING);
      assert.equal(await boots(guest), n, 'adopted, not restarted');
      await d.powerOff(second, 0);
      assert.equal(await state(second), PowerState.SHUTDOWN, 'the adopted guest obeys the new driver');
    });

    it('destroys guests in any state: unknown to the hypervisor and no longer counted', async (t) => {
      if (skip) return t.skip(skip);
      if (can('supports_suspend') && (await state(guest)) === PowerState.RUNNING) await d.suspend(guest);
      for (const inst of spawned) {
        await d.destroy(inst);
        await assert.rejects(d.getInfo(inst), InstanceNotFound);
        assert.ok(!(await d.listInstances()).includes(inst.uuid));
        await d.destroy(inst);
      }
      assert.deepEqual(await used(), baseline);
      assert.deepEqual(await d.listInstances(), []);
    });
  });
}
