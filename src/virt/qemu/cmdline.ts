/**
 * The qemu-system command line of an instance: a pure function of the
 * flavor, the accelerator and the instance's paths, so a guest started
 * again (power on, resume from a state file) gets the same machine.
 */
import { qemuOptValue } from '../../qemu/proc.ts';
import type { Accel } from './accel.ts';
import type { InstancePaths } from './paths.ts';
import { nicArgs, type TapNic } from './vifs.ts';

/** Everything a guest's command line depends on. */
export interface LaunchSpec {
  accel: Accel;
  /** TCG translation cache in MiB; 0 leaves QEMU's default. */
  tbSizeMb: number;
  machine: string;
  /** The hypervisor name of the instance (instance-0000000a). */
  name: string;
  uuid: string;
  memoryMb: number;
  vcpus: number;
  /** The MAC of the user-mode NIC a guest without VIFs gets. */
  mac: string;
  /** One virtio NIC per VIF, on its tap (vifs.ts); none: the user-mode NIC. */
  nics?: readonly TapNic[];
  paths: InstancePaths;
  vnc: boolean;
  spice: boolean;
  /** Consoles on TCP instead of unix sockets (`[qemu] console_listen = tcp`). */
  tcp?: { vnc: Endpoint; serial: Endpoint; spice: Endpoint };
  /**
   * Wait for `migrate-incoming`: true starts paused and stays paused after
   * the load (resume from a state file, continued by the driver); 'live'
   * runs the guest as soon as the incoming live migration completes, in the
   * run state the source sent (a paused guest stays paused).
   */
  incoming: boolean | 'live';
  /** Attach `paths.configDrive` read-only as a second virtio disk (the guest's /dev/vdb). */
  configDrive?: boolean;
  /** Rescue: boot `disk` (the rescue image's overlay) as the first disk, the instance's disk second, and `configDrive` (if any) instead of the instance's. */
  rescue?: { disk: string; configDrive: string | null };
  /** Booting from a volume: its arguments (volumes.ts) replace the instance's own disk. */
  rootVolume?: readonly string[];
  /** The other volumes' arguments (volumes.ts), after the NICs. */
  volumes?: readonly string[];
}

/** host:port a console listens on. */
export interface Endpoint {
  host: string;
  port: number;
}

export { qemuOptValue };

/** Quote a word for /bin/sh (QEMU runs `exec:` migration URIs through it). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** A stable locally administered MAC in OpenStack's fa:16:3e range, derived from the uuid. */
export function macFromUuid(uuid: string): string {
  const hex = uuid.replaceAll('-', '').toLowerCase();
  const bytes = [hex.slice(-6, -4), hex.slice(-4, -2), hex.slice(-2)];
  return `fa:16:3e:${bytes.join(':')}`;
}

/** `[DEFAULT] instance_name_template` applied to the instance id (`instance-%08x` → instance-0000002a). */
export function instanceName(template: string, id: number, uuid: string): string {
  return template.replace(/%(0?)(\d*)([xdsX])/g, (_m, zero: string, width: string, conv: string) => {
    const raw = conv === 'x' ? id.toString(16) : conv === 'X' ? id.toString(16).toUpperCase() : conv === 'd' ? String(id) : uuid;
    const w = width ? Number.parseInt(width, 10) : 0;
    return raw.padStart(w, zero === '0' ? '0' : ' ');
  });
}

function socketChardev(id: string, path: string, extra = ''): string {
  return `socket,id=${id},path=${qemuOptValue(path)},server=on,wait=off${extra}`;
}

/** A qcow2 disk as a virtio block device; `disk0` is always the instance's own disk (snapshots and migrations name it). */
function qcow2Disk(id: string, file: string, bootindex: number): string[] {
  return ['-drive', `file=${qemuOptValue(file)},format=qcow2,if=none,id=${id},cache=writeback,discard=unmap`, '-device', `virtio-blk-pci,drive=${id},bootindex=${bootindex}`];
}

function configDisk(file: string): string[] {
  return ['-drive', `file=${qemuOptValue(file)},format=raw,if=none,id=disk1,readonly=on`, '-device', 'virtio-blk-pci,drive=disk1'];
}

/** The guest's disks in PCI order (vda, vdb, …): its own disk and config drive, or in rescue the rescue disk first. */
function disks(spec: LaunchSpec): string[] {
  const p = spec.paths;
  if (spec.rescue) {
    const config = spec.rescue.configDrive;
    return [...qcow2Disk('rescue0', spec.rescue.disk, 0), ...qcow2Disk('disk0', p.disk, 1), ...(config ? configDisk(config) : [])];
  }
  const root = spec.rootVolume?.length ? spec.rootVolume : qcow2Disk('disk0', p.disk, 0);
  return [...root, ...(spec.configDrive ? configDisk(p.configDrive) : [])];
}

/** The arguments (without the binary) that start the guest described by `spec`. */
export function buildQemuArgs(spec: LaunchSpec): string[] {
  const p = spec.paths;
  const accel = spec.accel === 'tcg' && spec.tbSizeMb > 0 ? `tcg,tb-size=${spec.tbSizeMb}` : spec.accel;
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-msg',
    'timestamp=on',
    '-name',
    qemuOptValue(spec.name),
    '-uuid',
    spec.uuid,
    '-machine',
    qemuOptValue(spec.machine),
    '-accel',
    accel,
    ...(spec.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m',
    `${spec.memoryMb}M`,
    '-smp',
    String(Math.max(1, spec.vcpus)),
    '-smbios',
    `type=1,manufacturer=OpenStack Foundation,product=OpenStack Nova,serial=${spec.uuid},uuid=${spec.uuid}`,
    ...disks(spec),
    ...nicArgs(spec.mac, spec.nics),
    ...(spec.volumes ?? []),
    '-vga',
    'std',
    '-display',
    'none',
  ];
  const t = spec.tcp;
  if (spec.vnc) args.push('-vnc', t ? `${t.vnc.host}:${t.vnc.port - 5900}` : `unix:${qemuOptValue(p.vnc)}`);
  if (spec.spice) args.push('-spice', t ? `port=${t.spice.port},addr=${t.spice.host},disable-ticketing=on` : `unix=on,addr=${qemuOptValue(p.spice)},disable-ticketing=on`);
  const log = `,logfile=${qemuOptValue(p.consoleLog)},logappend=on`;
  args.push(
    '-chardev',
    t ? `socket,id=serial0,host=${t.serial.host},port=${t.serial.port},server=on,wait=off${log}` : socketChardev('serial0', p.serial, log),
    '-serial',
    'chardev:serial0',
    '-chardev',
    socketChardev('qmp', p.qmp),
    '-mon',
    'chardev=qmp,mode=control',
    '-chardev',
    socketChardev('monitor', p.monitor),
    '-mon',
    'chardev=monitor,mode=control',
    '-pidfile',
    p.pidfile,
  );
  if (spec.incoming === 'live') args.push('-incoming', 'defer');
  else if (spec.incoming) args.push('-S', '-incoming', 'defer');
  return args;
}
