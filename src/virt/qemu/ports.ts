/**
 * TCP ports of an instance's consoles (`[qemu] console_listen = tcp`),
 * chosen once from `[qemu] console_port_range` and kept in `ports.json` in
 * the instance directory, so a guest started again (power on, resume) or
 * adopted after a nova-compute restart keeps them.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { HypervisorError } from '../../exception/virt.ts';
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
