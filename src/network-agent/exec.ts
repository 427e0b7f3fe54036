/** Running the dataplane's programs (ip, bridge, nft, dnsmasq) and reading their JSON. */
import { execFile } from 'node:child_process';

/** A program that failed: its command line and what it printed. */
export class CommandFailed extends Error {}

/** Run `cmd args` to completion (stdin `input` when given); its stdout, or CommandFailed unless `allowFailure`. */
export function run(cmd: string, args: readonly string[], opts: { input?: string; allowFailure?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      if (err && !opts.allowFailure) reject(new CommandFailed(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** One link as `ip -j -d link show` prints it (the fields the agents read). */
export interface Link {
  readonly ifname: string;
  readonly address?: string;
  readonly master?: string;
  readonly mtu?: number;
  readonly operstate?: string;
  readonly flags?: readonly string[];
  readonly linkinfo?: { readonly info_kind?: string; readonly info_data?: Record<string, unknown> };
}

/** The links of the current namespace, or of namespace `ns`. */
export async function links(ns?: string): Promise<Map<string, Link>> {
  const out = await run('ip', [...(ns ? ['-n', ns] : []), '-j', '-d', 'link', 'show']);
  const list = JSON.parse(out || '[]') as Link[];
  return new Map(list.map((l) => [l.ifname, l]));
}

/** `ip` in the current namespace, or in `ns`. */
export const ip = (ns: string | undefined, ...args: string[]) => run('ip', [...(ns ? ['-n', ns] : []), ...args]);

/** The named network namespaces (`ip netns list`). */
export async function namespaces(): Promise<Set<string>> {
  const out = await run('ip', ['-j', 'netns', 'list'], { allowFailure: true });
  const list = out.trim() ? (JSON.parse(out) as { name: string }[]) : [];
  return new Set(list.map((n) => n.name));
}

/** Neutron's device names: a network's bridge, a port's tap (host side) and its namespace side. */
export const names = {
  bridge: (networkId: string) => `brq${networkId.slice(0, 11)}`,
  vxlan: (vni: number) => `vxlan-${vni}`,
  tap: (portId: string) => `tap${portId.slice(0, 11)}`,
  /** The namespace side of a DHCP port (ns-), router interface (qr-) or gateway (qg-). */
  inner: (prefix: 'ns-' | 'qr-' | 'qg-', portId: string) => `${prefix}${portId.slice(0, 11)}`,
  dhcpNamespace: (networkId: string) => `qdhcp-${networkId}`,
  routerNamespace: (routerId: string) => `qrouter-${routerId}`,
};
