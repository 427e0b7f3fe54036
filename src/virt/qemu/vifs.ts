/**
 * The guest's NICs: one virtio-net device per VIF of the instance's network
 * info, on a tap device named as Nova and Neutron name it
 * (`tap<port id[:11]>`, the VIF's devname), with the port's MAC. The driver
 * creates the tap (persistent, so it survives QEMU restarts: reboot, power
 * off and on, resume) before QEMU starts and QEMU opens it
 * (`-netdev tap,ifname=…,script=no,downscript=no`); the network agent's
 * bridge role plugs it into its network's bridge on its next poll, as
 * Neutron's Linux bridge agent plugs the taps libvirt creates. An instance
 * without VIFs keeps QEMU's user-mode NIC (the guest still has a network,
 * with the MAC derived from its uuid). Destroy removes the taps.
 */
import { execFile } from 'node:child_process';
import { HypervisorError } from '../../exception/virt.ts';
import type { VifInfo } from '../../objects/network-info.ts';

/** One tap-backed NIC of the guest. */
export interface TapNic {
  /** The host's tap device (at most 15 characters: IFNAMSIZ). */
  tap: string;
  mac: string;
  /** The network's MTU when it has one (the tap gets it). */
  mtu?: number;
}

/** Nova's tap name of a port (nova.network.model.VIF's devname, Neutron's get_tap_device_name). */
export function tapName(portId: string): string {
  return `tap${portId.slice(0, 11)}`;
}

/** The QEMU id of a tap NIC's netdev (`hostnet-<port id[:11]>`): a hot-plugged NIC and one of the command line have the same. */
export function netdevId(tap: string): string {
  return `hostnet-${tap.slice(3)}`;
}

/** The QEMU id of a tap NIC's virtio-net device (`net-<port id[:11]>`), what detach deletes. */
export function nicDeviceId(tap: string): string {
  return `net-${tap.slice(3)}`;
}

/** The tap NICs of `networkInfo`, in its order (the guest's eth0, eth1, …). */
export function tapNics(networkInfo: readonly VifInfo[] | undefined): TapNic[] {
  return (networkInfo ?? []).map((v) => ({ tap: tapName(v.id), mac: v.address.toLowerCase(), ...(v.network?.meta?.mtu ? { mtu: v.network.meta.mtu } : {}) }));
}

/** The guest's first MAC: its first VIF's, else `userMac` (the user-mode NIC's). */
export function guestMac(networkInfo: readonly VifInfo[] | undefined, userMac: string): string {
  return networkInfo?.[0]?.address.toLowerCase() ?? userMac;
}

/** The NIC arguments: a virtio-net device per tap NIC, or the user-mode NIC with `userMac` when there is none. */
export function nicArgs(userMac: string, nics: readonly TapNic[] | undefined): string[] {
  if (!nics?.length) return ['-nic', `user,model=virtio-net-pci,mac=${userMac}`];
  return nics.flatMap((n) => [
    '-netdev',
    `tap,id=${netdevId(n.tap)},ifname=${n.tap.replaceAll(',', ',,')},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,id=${nicDeviceId(n.tap)},netdev=${netdevId(n.tap)},mac=${n.mac}${n.mtu ? `,host_mtu=${n.mtu}` : ''}`,
  ]);
}

function ip(args: readonly string[], allowFailure = false): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && !allowFailure) reject(new HypervisorError(`ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** Create (when missing) and bring up the tap of each NIC, with the network's MTU. */
export async function plugTaps(nics: readonly TapNic[]): Promise<void> {
  for (const n of nics) {
    const exists = (await ip(['-o', 'link', 'show', 'dev', n.tap], true)).includes(`${n.tap}:`);
    if (!exists) await ip(['tuntap', 'add', 'dev', n.tap, 'mode', 'tap']);
    if (n.mtu) await ip(['link', 'set', 'dev', n.tap, 'mtu', String(n.mtu)]);
    await ip(['link', 'set', 'dev', n.tap, 'up']);
  }
}

/** Remove the tap of each NIC (a missing one is fine). */
export async function unplugTaps(nics: readonly TapNic[]): Promise<void> {
  for (const n of nics) await ip(['link', 'del', 'dev', n.tap], true);
}
