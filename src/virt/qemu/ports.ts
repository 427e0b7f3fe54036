/**
 * TCP ports of an instance's consoles (`[qemu] console_listen = tcp`),
 * chosen once from `[qemu] console_port_range` and kept in `ports.json` in
 * the instance directory, so a guest started again (power on, resume) or
 * adopted after a nova-compute restart keeps them.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { NovaConfig } from '../../conf/loader.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { ConsoleEndpoint } from '../driver.ts';
import type { LaunchSpec } from './cmdline.ts';
import type { InstancePaths } from './paths.ts';
import { instanceDirs } from './paths.ts';

export interface ConsolePorts {
  vnc: number;
  serial: number;
  spice: number;
}

export function parsePortRange(range: string): { first: number; last: number } {
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(range);
  const first = Number(m?.[1]);
  const last = Number(m?.[2]);
  if (!m || first < 5900 || last > 65535 || first > last || last - first < 2) {
    throw new HypervisorError(`[qemu] console_port_range '${range}' must be first:last with 5900 <= first < last <= 65535`);
  }
  return { first, last };
}

const portsFile = (p: InstancePaths) => path.join(p.dir, 'ports.json');

export function readPorts(p: InstancePaths): ConsolePorts | null {
  try {
    return JSON.parse(fs.readFileSync(portsFile(p), 'utf8')) as ConsolePorts;
  } catch {
    return null;
  }
}

function bindable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** The instance's ports: the recorded ones, or three free ports from the range (recorded now). */
export async function consolePorts(p: InstancePaths, instancesPath: string, range: string, host: string): Promise<ConsolePorts> {
  const known = readPorts(p);
  if (known) return known;
  const { first, last } = parsePortRange(range);
  const taken = new Set<number>();
  for (const uuid of instanceDirs(instancesPath)) {
    if (uuid === p.uuid) continue;
    const other = readPorts({ ...p, dir: path.join(path.dirname(p.dir), uuid) });
    if (other) for (const port of [other.vnc, other.serial, other.spice]) taken.add(port);
  }
  const chosen: number[] = [];
  for (let port = first; port <= last && chosen.length < 3; port++) {
    if (!taken.has(port) && (await bindable(host, port))) chosen.push(port);
  }
  if (chosen.length < 3) throw new HypervisorError(`no free console ports left in [qemu] console_port_range ${range}`);
  const ports = { vnc: chosen[0] as number, serial: chosen[1] as number, spice: chosen[2] as number };
  fs.writeFileSync(portsFile(p), JSON.stringify(ports));
  return ports;
}

/** With `[qemu] console_listen = tcp`: the guest's console addresses for its command line (ports kept per instance). */
export async function tcpConsoles(conf: NovaConfig, p: InstancePaths, instancesPath: string): Promise<{ tcp?: LaunchSpec['tcp'] }> {
  if (conf.qemu.console_listen !== 'tcp') return {};
  const ports = await consolePorts(p, instancesPath, conf.qemu.console_port_range, conf.vnc.server_listen);
  return {
    tcp: {
      vnc: { host: conf.vnc.server_listen, port: ports.vnc },
      serial: { host: conf.serial_console.proxyclient_address, port: ports.serial },
      spice: { host: conf.spice.server_listen, port: ports.spice },
    },
  };
}

/** Where a proxy reaches a console of a running guest: the unix socket, or host:port with console_listen = tcp. */
export function consoleEndpoint(conf: NovaConfig, p: InstancePaths, kind: 'vnc' | 'serial' | 'spice'): ConsoleEndpoint {
  const ports = conf.qemu.console_listen === 'tcp' ? readPorts(p) : null;
  const host = kind === 'vnc' ? conf.vnc.server_proxyclient_address : kind === 'serial' ? conf.serial_console.proxyclient_address : conf.spice.server_proxyclient_address;
  if (ports) return { host, port: ports[kind], internal_access_path: null };
  return { host, port: 0, path: p[kind], internal_access_path: null };
}
