/**
 * NIC hot-plug (Nova's libvirt attach_interface / detach_interface, through
 * QMP instead of libvirt).
 *
 * Attach on a guest whose QEMU runs: the port's persistent tap as boot
 * makes it (vifs.ts: `tap<port id[:11]>`, the network's MTU, up; the network
 * agent's bridge role plugs it into its bridge on its next poll), then
 * `netdev_add` (tap on that ifname, no scripts) and `device_add` of a
 * virtio-net-pci with the port's MAC, ids from the port (`hostnet-…`,
 * `net-…`, as the command line names them) on the machine's PCI root bus,
 * where QEMU takes the first free slot: with the i440fx `pc` machine (the
 * default `[qemu] machine_type`) pci.0 has ACPI hot-plug; q35's pcie.0
 * has none, and QEMU's refusal fails the attach. The first free slot is
 * the one the next start's command line gives the NIC (it follows the
 * others in the network info), unless a NIC before it was detached
 * meanwhile: then the live guest and a destination built from the network
 * info differ until the guest is started again (checkNicLayout).
 *
 * The guest's persistent configuration is the instance's network info: the
 * manager saves it with the VIF after attach and without it after detach,
 * and every start (power on, cold boot of a hard reboot, resume without a
 * state file, moves, rescue) builds the NICs from it. A guest without a
 * QEMU (shut off) has nothing to change now: its next start gets the NIC,
 * or not. A guest suspended to a state file cannot change its devices (the
 * state would not load), as the API does not allow there.
 *
 * Detach: `device_del`, then wait for QEMU's DEVICE_DELETED of the device
 * (the guest ejected it) `[qemu] device_detach_timeout` seconds, asking
 * again up to `device_detach_attempts` times, as Nova's libvirt driver; a
 * guest that never lets go is DeviceDetachFailed (the manager answers
 * InterfaceDetachFailed). Then `netdev_del` and the tap is removed, also
 * when the guest is shut off (the tap persists between starts).
 *
 * A live migration's destination builds its NICs from the network info;
 * checkNicLayout makes the source refuse when the live slots differ.
 */
import type { NovaConfig } from '../../conf/loader.ts';
import { registerErrors } from '../../exception/base.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { Logger } from '../../log.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import type { VifInfo } from '../../objects/network-info.ts';
import { isPlainObject } from '../../util/json-value.ts';
import { QmpError } from './errors.ts';
import type { Guest } from './guest.ts';
import type { QmpClient } from './qmp.ts';
import { netdevId, nicDeviceId, plugTaps, type TapNic, tapNics, unplugTaps } from './vifs.ts';

/**
 * nova.exception.DeviceDetachFailed: the guest did not release a device
 * (QEMU sent no DEVICE_DELETED) in any attempt. The manager answers
 * InterfaceDetachFailed.
 */
export class DeviceDetachFailed extends HypervisorError {
  static of(device: string, reason: string): DeviceDetachFailed {
    return new DeviceDetachFailed(`Device detach failed for ${device}: ${reason}`, { device, reason });
  }
}
registerErrors(DeviceDetachFailed);

/** How long detach waits for the guest. */
export interface DetachPolicy {
  attempts: number;
  timeoutMs: number;
}

function nicOf(vif: VifInfo): TapNic {
  const [nic] = tapNics([vif]);
  if (!nic) throw new HypervisorError(`no NIC for port ${vif.id}`);
  return nic;
}

/** Whether the guest has a device with the id `id` (`-device id=…` or device_add). */
export async function hasDevice(qmp: QmpClient, id: string): Promise<boolean> {
  const children = await qmp.execute('qom-list', { path: '/machine/peripheral' });
  return Array.isArray(children) && children.some((c: unknown) => typeof c === 'object' && c !== null && 'name' in c && c.name === id);
}

const notFound = (e: unknown) => e instanceof QmpError && (e.qmpClass === 'DeviceNotFound' || /not found/i.test(e.message));

/** A running QEMU's QMP, or null when the guest is shut off (refused when it is suspended to a state file). */
async function liveQmp(g: Guest, what: string): Promise<QmpClient | null> {
  if (g.running) return g.qmp();
  if (g.hasSavedState) throw new HypervisorError(`cannot ${what} an interface of instance ${g.uuid}: it is suspended to a state file`, { uuid: g.uuid });
  return null;
}

/** Plug the VIF's NIC into the guest; nothing to do now when it is shut off; already there is fine. */
export async function attachNic(g: Guest, vif: VifInfo, log: Logger): Promise<void> {
  const nic = nicOf(vif);
  const qmp = await liveQmp(g, 'attach');
  if (!qmp) {
    log.info({ instance: g.uuid, port: vif.id }, 'the guest is shut off: its next start gets the interface');
    return;
  }
  const device = nicDeviceId(nic.tap);
  const netdev = netdevId(nic.tap);
  if (await hasDevice(qmp, device)) return;
  await plugTaps([nic]);
  try {
    await qmp.execute('netdev_add', { type: 'tap', id: netdev, ifname: nic.tap, script: 'no', downscript: 'no' });
    try {
      await qmp.execute('device_add', { driver: 'virtio-net-pci', id: device, netdev, mac: nic.mac, ...(nic.mtu ? { host_mtu: nic.mtu } : {}) });
    } catch (e) {
      await qmp.execute('netdev_del', { id: netdev }).catch(() => {});
      throw e;
    }
  } catch (e) {
    await unplugTaps([nic]);
    throw e;
  }
  log.info({ instance: g.uuid, port: vif.id, tap: nic.tap, device }, 'interface hot-plugged');
}

/** `device_del` until QEMU says DEVICE_DELETED (or the device is gone); DeviceDetachFailed after every attempt. */
export async function deleteDevice(g: Guest, qmp: QmpClient, device: string, policy: DetachPolicy, log: Logger): Promise<void> {
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const deleted = qmp.waitForEvent('DEVICE_DELETED', policy.timeoutMs, (e) => e.data?.device === device);
    deleted.catch(() => {});
    try {
      await qmp.execute('device_del', { id: device });
    } catch (e) {
      if (notFound(e)) return;
      // QEMU refuses a second device_del while the guest is still asked to eject (7.2: "already in the process of unplug").
      if (!(e instanceof QmpError && /in (the )?process|pending/i.test(e.message))) throw e;
    }
    try {
      await deleted;
      return;
    } catch {
      if (!(await hasDevice(qmp, device))) return;
      log.warn({ instance: g.uuid, device, attempt, attempts: policy.attempts }, 'the guest has not released the device yet');
    }
  }
  throw DeviceDetachFailed.of(
    device,
    `Run out of retry while detaching device ${device} from instance ${g.uuid} from the live domain: the guest did not release it in ${policy.attempts} attempts of ${policy.timeoutMs / 1000} s. Device is still attached to the guest.`,
  );
}

/** Unplug the VIF's NIC from the guest (when its QEMU runs) and remove its tap; a NIC the guest has not is fine. */
export async function detachNic(g: Guest, vif: VifInfo, policy: DetachPolicy, log: Logger): Promise<void> {
  const nic = nicOf(vif);
  const qmp = await liveQmp(g, 'detach');
  if (qmp) {
    const device = nicDeviceId(nic.tap);
    if (await hasDevice(qmp, device)) await deleteDevice(g, qmp, device, policy, log);
    await qmp.execute('netdev_del', { id: netdevId(nic.tap) }).catch((e: unknown) => {
      if (!notFound(e)) throw e;
    });
  }
  await unplugTaps([nic]);
  log.info({ instance: g.uuid, port: vif.id, tap: nic.tap, live: qmp !== null }, 'interface detached');
}

/** The detach policy of `[qemu] device_detach_attempts` and `device_detach_timeout`. */
export function detachPolicy(conf: NovaConfig): DetachPolicy {
  return { attempts: conf.qemu.device_detach_attempts, timeoutMs: conf.qemu.device_detach_timeout * 1000 };
}

/** The occupied slots of the guest's PCI root bus, in order, with their device ids ('' for none). */
export async function rootBusSlots(qmp: Pick<QmpClient, 'execute'>): Promise<{ slot: number; id: string }[]> {
  const buses = await qmp.execute('query-pci');
  const root = (Array.isArray(buses) ? buses : []).find((b: unknown) => isPlainObject(b) && b.bus === 0);
  const slots = new Map<number, string>();
  for (const d of isPlainObject(root) && Array.isArray(root.devices) ? root.devices : []) {
    if (!isPlainObject(d) || typeof d.slot !== 'number') continue;
    const id = typeof d.qdev_id === 'string' ? d.qdev_id : '';
    slots.set(d.slot, slots.get(d.slot) || id);
  }
  return [...slots].sort(([a], [b]) => a - b).map(([slot, id]) => ({ slot, id }));
}

/**
 * Refuse to live-migrate a guest whose NICs are not where its network info
 * puts them: a NIC detached from between others left a free slot, or a
 * later attach took it, so the destination's command line (NICs in network
 * info order, one slot after the other) would load one NIC's state into
 * another's device. A power cycle lays the guest out from the network info
 * again. Guests without port-named NICs (a user-mode NIC) have nothing to
 * check.
 */
export async function checkNicLayout(qmp: Pick<QmpClient, 'execute'>, instance: InstanceDTO): Promise<void> {
  const slots = await rootBusSlots(qmp);
  const live = slots.filter((s) => s.id.startsWith('net-')).map((s) => s.id);
  if (!live.length) return;
  const expected = tapNics(instance.network_info).map((n) => nicDeviceId(n.tap));
  // Below the last NIC, every slot taken (q35's ICH9 functions sit at the end of the bus, after any NIC).
  const lastNic = Math.max(...slots.filter((s) => s.id.startsWith('net-')).map((s) => s.slot));
  const hole = slots.filter((s) => s.slot <= lastNic).some((s, i) => s.slot !== i);
  if (!hole && live.join() === expected.join()) return;
  throw new HypervisorError(
    `the NICs of instance ${instance.uuid} are not laid out as its network info says (live: ${live.join(', ')}${hole ? ', with a free slot between devices' : ''}; network info: ${expected.join(', ') || 'none'}): an interface was detached from between others; power the guest off and on before a live migration`,
    { uuid: instance.uuid },
  );
}
