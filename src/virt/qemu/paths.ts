/**
 * Where an instance's files live: `$instances_path/<uuid>/`, always as
 * absolute paths (QEMU re-opens some of them, and a daemonized or
 * restarted process must not depend on a working directory).
 */
import fs from 'node:fs';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';

/** The files of one instance. */
export interface InstancePaths {
  readonly uuid: string;
  readonly dir: string;
  /** The driver's QMP monitor. */
  readonly qmp: string;
  /** A second QMP monitor for operators and tests (the driver keeps `qmp` open). */
  readonly monitor: string;
  readonly vnc: string;
  readonly spice: string;
  readonly serial: string;
  /** Everything the guest wrote to its serial console. */
  readonly consoleLog: string;
  /** QEMU's own stdout/stderr. */
  readonly qemuLog: string;
  /** The qcow2 overlay on the cached base image. */
  readonly disk: string;
  /** The config drive image (`disk.config`, as Nova's libvirt driver names it), when the instance has one. */
  readonly configDrive: string;
  readonly pidfile: string;
  /** The saved guest state of a suspended instance. */
  readonly state: string;
  /** In rescue: the rescue image's overlay (booted first), its config drive, and the record that the guest is in rescue. */
  readonly rescueDisk: string;
  readonly rescueConfigDrive: string;
  readonly rescueMarker: string;
  /** The volumes the guest is started with (volumes.ts). */
  readonly volumes: string;
}

/** Longest unix socket path the kernel accepts (sun_path is 108 bytes with the NUL). */
export const MAX_SOCKET_PATH = 107;

const UUID_RE = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** Refuse anything that is not a plain uuid (it becomes a directory name). */
export function checkUuid(uuid: string): string {
  if (!UUID_RE.test(uuid)) throw new HypervisorError(`invalid instance uuid '${uuid}'`, { uuid });
  return uuid;
}

/** The paths of instance `uuid` under `instancesPath` (made absolute). */
export function instancePaths(instancesPath: string, uuid: string): InstancePaths {
  const dir = path.join(path.resolve(instancesPath), checkUuid(uuid));
  const p = (name: string) => path.join(dir, name);
  const paths: InstancePaths = {
    uuid,
    dir,
    qmp: p('qmp.sock'),
    monitor: p('monitor.sock'),
    vnc: p('vnc.sock'),
    spice: p('spice.sock'),
    serial: p('serial.sock'),
    consoleLog: p('console.log'),
    qemuLog: p('qemu.log'),
    disk: p('disk.qcow2'),
    configDrive: p('disk.config'),
    pidfile: p('qemu.pid'),
    state: p('suspend.state'),
    rescueDisk: p('disk.rescue'),
    rescueConfigDrive: p('disk.config.rescue'),
    rescueMarker: p('rescue.json'),
    volumes: p('volumes.json'),
  };
  for (const s of [paths.qmp, paths.monitor, paths.vnc, paths.spice, paths.serial]) {
    if (Buffer.byteLength(s) > MAX_SOCKET_PATH) {
      throw new HypervisorError(`socket path ${s} is longer than ${MAX_SOCKET_PATH} bytes; choose a shorter [DEFAULT] instances_path`, { path: s });
    }
  }
  return paths;
}

/** Where the source of a cold move keeps the guest's files until the move is confirmed or reverted (Nova's `<uuid>_resize`). */
export function resizeDir(paths: InstancePaths): string {
  return `${paths.dir}_resize`;
}

/** The per-host image cache directory: `$instances_path/_base`. */
export function baseDir(instancesPath: string): string {
  return path.join(path.resolve(instancesPath), '_base');
}

/** Image ids become file names: refuse separators and dot names. */
export function checkImageId(imageId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/.test(imageId)) throw new HypervisorError(`invalid image id '${imageId}'`, { image_id: imageId });
  return imageId;
}

/** The cached base image of `imageId`. */
export function basePath(instancesPath: string, imageId: string): string {
  return path.join(baseDir(instancesPath), checkImageId(imageId));
}

/** uuids of the instance directories under `instancesPath` that hold a disk (or the volumes of a guest booted from one). */
export function instanceDirs(instancesPath: string): string[] {
  const root = path.resolve(instancesPath);
  const names = fs.existsSync(root) ? fs.readdirSync(root) : [];
  return names.filter((n) => UUID_RE.test(n) && n.includes('-') && ['disk.qcow2', 'volumes.json'].some((f) => fs.existsSync(path.join(root, n, f))));
}
