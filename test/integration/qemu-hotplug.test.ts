/**
 * NIC hot-plug on a real guest (os-interface through the QEMU driver): the
 * test guest boots on one port (network A: a bridge and a dnsmasq in a
 * namespace, as in qemu-vifs.test.ts); attaching a second port (network B,
 * its own bridge and dnsmasq) adds a tap and a virtio-net device to the
 * running guest, whose nic-watch runs DHCP on the new eth1: the lease of
 * network B is on the serial console and the guest's HTTP answers on it
 * from network B. Detach while the guest is paused (it cannot eject the
 * device) is DeviceDetachFailed after the attempts; once it runs again it
 * lets go and a second detach removes the netdev and the tap, and HTTP on
 * that address stops. A NIC attached again survives a power cycle (the
 * next start builds it from the network info the manager saved) in the
 * PCI slot QEMU gave it when hot-plugged, and is detached from the guest
 * started with it; a detach from between two NICs leaves a layout the live
 * migration source refuses (checkNicLayout); attach while shut off is only
 * the next start's. Destroy removes the taps. Needs root, iproute2, QEMU,
 * dnsmasq.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { InstanceDTO } from '../../src/objects/instance.ts';
import type { VifInfo } from '../../src/objects/network-info.ts';
import { PowerState } from '../../src/objects/states.ts';
import { isPlainObject } from '../../src/util/json-value.ts';
import type { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { checkNicLayout, DeviceDetachFailed } from '../../src/virt/qemu/hotplug.ts';
import { instancePaths } from '../../src/virt/qemu/paths.ts';
import { QmpClient } from '../../src/virt/qemu/qmp.ts';
import { qemuSkip, REQUIRE } from '../support/backends.ts';
import { createPrivateNet, netnsSkip, type PrivateNet, sh } from '../support/netns.ts';
import { onCleanup } from '../support/procs.ts';
import { BANNER, banners, IMAGE_ID, makeDriver, makeInstance, makeWorld, waitFor } from './qemu-support.ts';

async function dnsmasqSkip(): Promise<string | undefined> {
  if ((await sh('sh', ['-c', 'command -v dnsmasq'], { allowFailure: true })).code === 0) return undefined;
  if (REQUIRE) throw new Error('dnsmasq is missing, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping');
  return 'SKIPPED: dnsmasq is not installed';
}

const skip = (await qemuSkip()) ?? (await netnsSkip()) ?? (await dnsmasqSkip());
const re = (s: string) => s.replaceAll('.', '\\.');

/** A port on `net` with the fixed address `.host` (a dnsmasq there hands it to the port's MAC; `router` false: no gateway option, null: no dnsmasq). */
function port(net: PrivateNet, host: number, router: boolean | null): { vif: VifInfo; ip: string } {
  const id = randomUUID();
  const mac = `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)?.join(':')}`;
  const ip = `${net.subnet.replace(/\.0\/24$/, '')}.${host}`;
  const tap = `tap${id.slice(0, 11)}`;
  onCleanup(`tap ${tap}`, async () => void (await sh('ip', ['link', 'del', tap], { allowFailure: true })));
  if (router !== null)
    net.spawn(0, 'dnsmasq', 'dnsmasq', [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--port=0',
      '--no-hosts',
      '--no-resolv',
      '--leasefile-ro',
      '--interface=eth0',
      '--bind-interfaces',
      `--dhcp-range=${ip.replace(/\.\d+$/, '.0')},static,255.255.255.0`,
      `--dhcp-host=${mac},${ip}`,
      router ? `--dhcp-option=3,${net.nodes[0]?.ip}` : '--dhcp-option=3',
    ]);
  const vif: VifInfo = {
    id,
    address: mac,
    network: { id: randomUUID(), label: 'net', subnets: [], meta: { mtu: 1450 } },
    type: 'bridge',
    devname: tap,
    active: true,
    vnic_type: 'normal',
    preserve_on_delete: false,
    tag: null,
  };
  return { vif, ip };
}

/** `fn` on the guest's second QMP monitor (the driver keeps the first). */
async function withMonitor<T>(instancesPath: string, uuid: string, fn: (qmp: QmpClient) => Promise<T>): Promise<T> {
  const qmp = await QmpClient.connect(instancePaths(instancesPath, uuid).monitor, 10_000);
  try {
    return await fn(qmp);
  } finally {
    qmp.close();
  }
}

/** The PCI slot of each device with an id (query-pci). */
function pciSlots(instancesPath: string, uuid: string): Promise<Record<string, unknown>> {
  return withMonitor(instancesPath, uuid, async (qmp) => {
    const buses = await qmp.execute('query-pci');
    const devices = (Array.isArray(buses) ? buses : []).flatMap((bus: unknown) => (isPlainObject(bus) && Array.isArray(bus.devices) ? bus.devices : []));
    return Object.fromEntries(devices.flatMap((d: unknown) => (isPlainObject(d) && typeof d.qdev_id === 'string' && d.qdev_id ? [[d.qdev_id, d.slot]] : [])));
  });
}

const tapExists = async (vif: VifInfo) => (await sh('ip', ['link', 'show', vif.devname], { allowFailure: true })).code === 0;

describe('qemu driver: NIC hot-plug', { skip, timeout: 600_000 }, () => {
  let netA: PrivateNet;
  let netB: PrivateNet;
  before(async () => {
    netA = await createPrivateNet(1, 'nvha');
    netB = await createPrivateNet(1, 'nvhb');
  });
  after(async () => {
    await netA?.close();
    await netB?.close();
  });

  it('attaches a second port to the running guest (DHCP and HTTP on it), detaches it (DeviceDetachFailed while the guest cannot let go), keeps it over a power cycle', async (t) => {
    const world = makeWorld();
    const driver: QemuDriver = makeDriver(world, { device_detach_attempts: '2', device_detach_timeout: '5' });
    await driver.initHost('qemu-test', []);
    const a = port(netA, 50, true);
    const b = port(netB, 60, false);
    const base: InstanceDTO = { ...makeInstance(randomUUID(), 'hotplug-guest'), network_info: [a.vif] };
    const both: InstanceDTO = { ...base, network_info: [a.vif, b.vif] };
    const text = () => driver.getConsoleOutput(base);
    /** Where the console is now, in lines (the last one again: QEMU may be writing it). */
    const here = async () => Math.max(0, (await text()).split('\n').length - 2);
    /** The console from line `mark` on, once it matches `pattern`. */
    const seen = (what: string, mark: number, pattern: RegExp, timeoutMs = 120_000) =>
      waitFor(what, timeoutMs, async () => {
        const out = (await text()).split('\n').slice(mark).join('\n');
        return pattern.test(out) ? out : undefined;
      });
    const http = async (ip: string) => {
      const get = `fetch('http://${ip}/', { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
      const r = await netB.exec(0, process.execPath, ['-e', get], { allowFailure: true, timeoutMs: 10_000 });
      return r.code === 0 ? r.stdout : null;
    };
    const leaseB = new RegExp(`NOVA-GUEST-DHCP eth1 ${re(b.ip)}/24 gw=none`);
    /** Attach B to the running guest, plug its tap as the bridge role would; the seconds until the guest's lease on it. */
    const attachB = async (): Promise<number> => {
      const mark = await here();
      const t0 = Date.now();
      await driver.attachInterface(base, b.vif);
      assert.ok(await tapExists(b.vif), 'the tap of the port');
      await sh('ip', ['link', 'set', b.vif.devname, 'master', netB.bridge]);
      const out = await seen('the lease on the hot-plugged NIC', mark, leaseB);
      assert.match(out, new RegExp(`NOVA-GUEST-NIC-ADDED eth1/${b.vif.address}`));
      return (Date.now() - t0) / 1000;
    };
    try {
      await driver.spawn(base, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      await sh('ip', ['link', 'set', a.vif.devname, 'master', netA.bridge]);
      const boot = await seen('the first lease', 0, new RegExp(`NOVA-GUEST-DHCP eth0 ${re(a.ip)}/24`));
      assert.match(boot, new RegExp(`nics=eth0/${a.vif.address}(\\s|$)`), 'booted with one NIC');

      // Hot-plug: the guest takes DHCP on the new NIC and answers HTTP on network B.
      const first = await attachB();
      t.diagnostic(`attach → lease on eth1: ${first.toFixed(1)} s`);
      const page = await waitFor('HTTP on the hot-plugged NIC', 60_000, async () => (await http(b.ip)) ?? undefined);
      assert.match(page, new RegExp(`addrs=${re(a.ip)}/24,${re(b.ip)}/24`));
      await driver.attachInterface(base, b.vif); // already there: nothing to do
      const nicB = `net-${b.vif.id.slice(0, 11)}`;
      const hotSlots = await pciSlots(world.instancesPath, base.uuid);
      assert.equal(typeof hotSlots[nicB], 'number', `the hot-plugged device on pci.0: ${JSON.stringify(hotSlots)}`);

      // A paused guest cannot eject the device: every attempt times out (Nova's DeviceDetachFailed) ...
      await driver.pause(base);
      const start = Date.now();
      await assert.rejects(driver.detachInterface(both, b.vif), DeviceDetachFailed);
      t.diagnostic(`DeviceDetachFailed after ${((Date.now() - start) / 1000).toFixed(1)} s (2 attempts of 5 s)`);
      assert.ok(await tapExists(b.vif), 'the tap stays while the device is attached');
      // ... running again, it acts on the pending request; the next detach finishes the job.
      let mark = await here();
      await driver.unpause(base);
      await seen('the NIC gone in the guest', mark, /NOVA-GUEST-NIC-REMOVED eth1/, 60_000);
      await driver.detachInterface(both, b.vif);
      assert.equal(await tapExists(b.vif), false, 'the tap is removed');
      assert.equal(await http(b.ip), null, 'HTTP on the detached address no longer answers');
      await driver.detachInterface(both, b.vif); // a NIC the guest has not: no error

      // Attached again, then a power cycle: the next start builds it from the network info (as the manager saved it).
      const second = await attachB();
      t.diagnostic(`attach again → lease on eth1: ${second.toFixed(1)} s`);
      await driver.powerOff(both, 0);
      const cycled = banners(await text());
      const beforeBoot = await here();
      await driver.powerOn(both);
      // The guest takes its leases as its NICs come up, before or after it prints its banner.
      const reboot = await waitFor('the boot with two NICs and the lease on eth1', 120_000, async () => {
        const out = await text();
        const sinceBoot = out.split('\n').slice(beforeBoot).join('\n');
        return banners(out) > cycled && leaseB.test(sinceBoot) ? out.slice(out.lastIndexOf(BANNER)) : undefined;
      });
      assert.match(reboot, new RegExp(`^${BANNER} .*nics=eth0/${a.vif.address},eth1/${b.vif.address}`));
      // The slot QEMU chose is the one the command line gives it (what a live migration's destination builds).
      assert.deepEqual(await pciSlots(world.instancesPath, base.uuid), hotSlots, 'the same PCI layout as while hot-plugged');
      assert.ok(await waitFor('HTTP on eth1 after the power cycle', 60_000, async () => (await http(b.ip)) ?? undefined));

      // A third NIC (no network behind it), then B detached from between: B came from the command line this time.
      // The live layout then differs from what a live migration's destination would build, which the source refuses.
      const c = port(netB, 70, null).vif;
      await withMonitor(world.instancesPath, base.uuid, (qmp) => checkNicLayout(qmp, both));
      await driver.attachInterface(base, c);
      await withMonitor(world.instancesPath, base.uuid, (qmp) => checkNicLayout(qmp, { ...base, network_info: [a.vif, b.vif, c] }));
      mark = await here();
      await driver.detachInterface(both, b.vif);
      await seen('the NIC gone in the guest', mark, /NOVA-GUEST-NIC-REMOVED eth1/, 30_000);
      assert.equal(await tapExists(b.vif), false);
      const ac = { ...base, network_info: [a.vif, c] };
      await assert.rejects(
        withMonitor(world.instancesPath, base.uuid, (qmp) => checkNicLayout(qmp, ac)),
        /free slot/,
      );
      await driver.attachInterface(base, b.vif); // takes the free slot, before C
      await assert.rejects(
        withMonitor(world.instancesPath, base.uuid, (qmp) => checkNicLayout(qmp, { ...base, network_info: [a.vif, c, b.vif] })),
        /not laid out as its network info says/,
      );
      await driver.detachInterface(both, b.vif);
      await driver.detachInterface(ac, c);
      assert.equal(await tapExists(c), false);

      // Shut off: attach changes only what the next start gets (the network info).
      await driver.powerOff(base, 0);
      assert.equal((await driver.getInfo(base)).state, PowerState.SHUTDOWN);
      await driver.attachInterface(base, b.vif);
      assert.equal(await tapExists(b.vif), false, 'nothing plugged while shut off');
      const boots = banners(await text());
      await driver.powerOn(both);
      await waitFor('the third boot', 120_000, async () => (banners(await text()) > boots ? true : undefined));
      assert.match(
        (await text())
          .split('\n')
          .filter((l) => l.includes(BANNER))
          .at(-1) ?? '',
        new RegExp(`nics=eth0/${a.vif.address},eth1/${b.vif.address}`),
      );
    } finally {
      await driver.destroy(both);
    }
    assert.equal(await tapExists(a.vif), false, 'the boot tap is gone');
    assert.equal(await tapExists(b.vif), false, 'the hot-plugged tap is gone');
  });
});
