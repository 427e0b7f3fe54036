/**
 * Volumes on QEMU guests (Nova's libvirt attach_volume / detach_volume and
 * the volumes of block_device_info, through QMP instead of libvirt), for
 * the NBD connection_info of the volume service (src/volume/driver.ts
 * NbdConnection: host, port, export name, optional TLS-PSK identity and
 * key, raw, access mode).
 *
 * A volume is three things in QEMU: with TLS a `tls-creds-psk` object whose
 * directory (`volume-psk/<node>/keys.psk` under the instance directory)
 * holds the attachment's key, an `nbd` block node on the export, a `raw`
 * format node on top, and a virtio-blk-pci device on that node whose
 * serial is the volume id's first 20 characters (as Nova's libvirt driver
 * sets it: the guest sees /dev/disk/by-id/virtio-<serial>), read-only for
 * an 'ro' attachment. Attach on a running guest adds them in that order
 * (object-add, blockdev-add, blockdev-add, device_add; undone in reverse on
 * failure); detach deletes the device (device_del, waiting for
 * DEVICE_DELETED as the NIC detach does), then blockdev-del of both nodes
 * and object-del.
 *
 * The guest's persistent configuration is `volumes.json` in the instance
 * directory: every start (power on, the cold boot of a hard reboot) builds
 * `-object`/`-blockdev`/`-device` from it, after the local disks and NICs,
 * in attach order; a root volume (boot_index 0) comes first and is the boot
 * disk. A shut-off guest only has the file changed. Attaching a volume the
 * guest already has is no error; another volume at a device already taken
 * is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';
import type { Logger } from '../../log.ts';
import { writePskKeys } from '../../qemu/psk.ts';
import type { DriverVolume } from '../driver.ts';
import { QmpError } from './errors.ts';
import type { Guest } from './guest.ts';
import { type DetachPolicy, deleteDevice, hasDevice } from './hotplug.ts';
import type { QmpClient } from './qmp.ts';

/** One volume of a guest as its command line and QMP need it. */
export interface GuestVolume {
  readonly volumeId: string;
  readonly mountDevice: string;
  readonly host: string;
  readonly port: number;
  readonly exportName: string;
  readonly pskUser: string | null;
  readonly psk: string | null;
  readonly readOnly: boolean;
  readonly bootIndex: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The guest's view of a DriverVolume; only driver_volume_type 'nbd' is understood. */
export function guestVolume(v: DriverVolume): GuestVolume {
  const ci = v.connection_info;
  if (ci.driver_volume_type !== 'nbd') {
    throw new HypervisorError(`the qemu driver attaches NBD volumes; volume ${v.volume_id} has driver_volume_type ${ci.driver_volume_type}`, { volume_id: v.volume_id });
  }
  const d = ci.data;
  const host = str(d.host);
  const exportName = str(d.name);
  const port = typeof d.port === 'number' ? d.port : Number(d.port);
  if (!host || !exportName || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new HypervisorError(`volume ${v.volume_id}: connection_info lacks host, port or export name`, { volume_id: v.volume_id });
  }
  if (d.format !== undefined && d.format !== 'raw') throw new HypervisorError(`volume ${v.volume_id}: format ${String(d.format)} (only raw)`, { volume_id: v.volume_id });
  const psk = str(d.psk);
  return {
    volumeId: v.volume_id,
    mountDevice: v.mount_device,
    host,
    port,
    exportName,
    pskUser: psk ? (str(d.psk_user) ?? 'nova') : null,
    psk,
    readOnly: d.access_mode === 'ro',
    bootIndex: v.boot_index,
  };
}

/** The QEMU names of a volume: short enough for node names (31 characters). */
export function volumeIds(volumeId: string): { node: string; nbd: string; tls: string; device: string; serial: string } {
  const short = volumeId.replaceAll('-', '').slice(0, 20);
  if (!/^[A-Za-z0-9]+$/.test(short)) throw new HypervisorError(`bad volume id ${volumeId}`, { volume_id: volumeId });
  return { node: `vol${short}`, nbd: `nbd${short}`, tls: `tls${short}`, device: `volume-${short}`, serial: volumeId.slice(0, 20) };
}

const stateFile = (g: Guest) => g.paths.volumes;
const pskDir = (g: Guest, v: GuestVolume) => path.join(g.paths.dir, 'volume-psk', volumeIds(v.volumeId).node);

/** The volumes the guest's next start attaches (root first, then in attach order). */
export function guestVolumes(g: Guest): GuestVolume[] {
  try {
    const list = JSON.parse(fs.readFileSync(stateFile(g), 'utf8')) as GuestVolume[];
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

function saveVolumes(g: Guest, list: readonly GuestVolume[]): void {
  const file = stateFile(g);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(list, null, 1), { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);
}

/** Whether the instance boots from a volume (its state has a root volume). */
export function bootsFromVolume(g: Guest): boolean {
  return guestVolumes(g).some((v) => v.bootIndex === 0);
}

/** spawn: the volumes of block_device_info become the guest's (root first). */
export function setSpawnVolumes(g: Guest, volumes: readonly DriverVolume[]): void {
  const list = volumes.map(guestVolume).sort((a, b) => Number(b.bootIndex === 0) - Number(a.bootIndex === 0));
  fs.rmSync(path.join(g.paths.dir, 'volume-psk'), { recursive: true, force: true });
  fs.rmSync(stateFile(g), { force: true });
  for (const v of list) writeKey(g, v);
  if (list.length) saveVolumes(g, list);
}

function writeKey(g: Guest, v: GuestVolume): string | null {
  if (!v.psk || !v.pskUser) return null;
  return writePskKeys(pskDir(g, v), { [v.pskUser]: v.psk });
}

/** How the guest's NBD clients behave: seconds I/O waits for a dropped export to come back (`[qemu] volume_reconnect_delay`). */
export interface VolumeOptions {
  readonly reconnectDelay: number;
}

function nbdNode(v: GuestVolume, tls: boolean, o: VolumeOptions): Record<string, unknown> {
  const ids = volumeIds(v.volumeId);
  return {
    driver: 'nbd',
    'reconnect-delay': o.reconnectDelay,
    'node-name': ids.nbd,
    server: { type: 'inet', host: v.host, port: String(v.port) },
    export: v.exportName,
    ...(tls ? { 'tls-creds': ids.tls } : {}),
    'read-only': v.readOnly,
  };
}

function rawNode(v: GuestVolume): Record<string, unknown> {
  const ids = volumeIds(v.volumeId);
  return { driver: 'raw', 'node-name': ids.node, file: ids.nbd, 'read-only': v.readOnly };
}

function device(v: GuestVolume): Record<string, unknown> {
  const ids = volumeIds(v.volumeId);
  return { driver: 'virtio-blk-pci', id: ids.device, drive: ids.node, serial: ids.serial, ...(v.bootIndex === 0 ? { bootindex: 0 } : {}) };
}

/** The command-line arguments of the guest's volumes (`-object`, `-blockdev`, `-device` as JSON); the keys are written again. */
export function volumeArgs(g: Guest, which: 'root' | 'others', o: VolumeOptions): string[] {
  const args: string[] = [];
  for (const v of guestVolumes(g)) {
    if ((v.bootIndex === 0) !== (which === 'root')) continue;
    const dir = writeKey(g, v);
    const ids = volumeIds(v.volumeId);
    if (dir) args.push('-object', JSON.stringify({ 'qom-type': 'tls-creds-psk', id: ids.tls, endpoint: 'client', dir, username: v.pskUser }));
    args.push('-blockdev', JSON.stringify(nbdNode(v, dir !== null, o)), '-blockdev', JSON.stringify(rawNode(v)), '-device', JSON.stringify(device(v)));
  }
  return args;
}

const gone = (e: unknown) => e instanceof QmpError && (e.qmpClass === 'DeviceNotFound' || /not found|find node|cannot find|no such/i.test(e.message));
const ignoreGone = (e: unknown) => {
  if (!gone(e)) throw e;
};

/** A running QEMU's QMP, or null when the guest is shut off (refused when it is suspended to a state file). */
async function liveQmp(g: Guest, what: string): Promise<QmpClient | null> {
  if (g.running) return g.qmp();
  if (g.hasSavedState) throw new HypervisorError(`cannot ${what} a volume of instance ${g.uuid}: it is suspended to a state file`, { uuid: g.uuid });
  return null;
}

/** Remove the block nodes and the key object of `v` from the running QEMU (each may be absent). */
async function dropBackend(qmp: QmpClient, v: GuestVolume): Promise<void> {
  const ids = volumeIds(v.volumeId);
  await qmp.execute('blockdev-del', { 'node-name': ids.node }).catch(ignoreGone);
  await qmp.execute('blockdev-del', { 'node-name': ids.nbd }).catch(ignoreGone);
  if (v.psk) await qmp.execute('object-del', { id: ids.tls }).catch(ignoreGone);
}

/** Attach the volume; on a shut-off guest only its next start gets it. Already attached is fine. */
export async function attachVolume(g: Guest, dv: DriverVolume, o: VolumeOptions, log: Logger): Promise<void> {
  const v = guestVolume(dv);
  const list = guestVolumes(g);
  const other = list.find((o) => o.mountDevice === v.mountDevice && o.volumeId !== v.volumeId);
  if (other) throw new HypervisorError(`instance ${g.uuid} already has volume ${other.volumeId} at ${v.mountDevice}`, { uuid: g.uuid, device: v.mountDevice });
  const known = list.some((o) => o.volumeId === v.volumeId);
  const qmp = await liveQmp(g, 'attach');
  const ids = volumeIds(v.volumeId);
  const started = Date.now();
  if (qmp && !(await hasDevice(qmp, ids.device))) {
    try {
      const dir = writeKey(g, v);
      if (dir) await qmp.execute('object-add', { 'qom-type': 'tls-creds-psk', id: ids.tls, endpoint: 'client', dir, username: v.pskUser });
      await qmp.execute('blockdev-add', nbdNode(v, dir !== null, o));
      await qmp.execute('blockdev-add', rawNode(v));
      await qmp.execute('device_add', device(v));
    } catch (e) {
      await dropBackend(qmp, v).catch(() => {});
      if (!known) fs.rmSync(pskDir(g, v), { recursive: true, force: true });
      throw e;
    }
  }
  if (!known) saveVolumes(g, [...list, v]);
  else writeKey(g, v);
  log.info({ instance: g.uuid, volume: v.volumeId, device: ids.device, live: qmp !== null, ms: Date.now() - started }, 'volume attached');
}

/** Detach the volume (from the running QEMU, then from the guest's state); a volume the guest has not is fine. */
export async function detachVolume(g: Guest, dv: DriverVolume, policy: DetachPolicy, log: Logger): Promise<void> {
  const list = guestVolumes(g);
  const v = list.find((o) => o.volumeId === dv.volume_id) ?? guestVolume(dv);
  const qmp = await liveQmp(g, 'detach');
  if (qmp) {
    const ids = volumeIds(v.volumeId);
    if (await hasDevice(qmp, ids.device)) await deleteDevice(g, qmp, ids.device, policy, log);
    await dropBackend(qmp, v);
  }
  if (list.some((o) => o.volumeId === v.volumeId))
    saveVolumes(
      g,
      list.filter((o) => o.volumeId !== v.volumeId),
    );
  fs.rmSync(pskDir(g, v), { recursive: true, force: true });
  log.info({ instance: g.uuid, volume: v.volumeId, live: qmp !== null }, 'volume detached');
}
