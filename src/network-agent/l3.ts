/**
 * The L3 agent's dataplane (the network node): for each router with ports
 * bound to this host, a namespace `qrouter-<router>` with forwarding on,
 * the `qr-` side of a veth per interface port (its gateway IP; the `tap`
 * side on the internal network's bridge) and the `qg-` side for the
 * external gateway (its address, and every floating IP of the router as a
 * /32), a default route by the external subnet's gateway, and an nft `ip
 * nova-nat` table: floating IPs DNAT to their fixed IP (prerouting and
 * output) and SNAT the fixed IP to the floating one out of qg-; with SNAT
 * on, the internal subnets go out as the gateway IP. The table is written
 * whole and replaced in one transaction when it changes. Routers this agent
 * made are recorded under `<state_path>/l3/<router>`: one gone (or no
 * longer here) loses its namespace, also after a restart.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AgentPort, AgentRouter, HostState } from '../network/rpc-types.ts';
import type { RoleDriver } from './agent.ts';
import { ip, links, names, namespaces, run } from './exec.ts';
import { plugVeth } from './plug.ts';

export interface L3Settings {
  readonly host: string;
  readonly stateDir: string;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

const NAT_TABLE = 'nova-nat';
const isV4 = (a: string) => !a.includes(':');

/** A router's ports on this host: its interfaces and its gateway. */
function routerPorts(state: HostState, r: AgentRouter, host: string): { interfaces: AgentPort[]; gateway: AgentPort | null } {
  const mine = state.ports.filter((p) => p.device_id === r.id && p.host === host);
  const gateway = r.gateway ? (mine.find((p) => p.id === r.gateway?.port_id && p.device_owner === 'network:router_gateway') ?? null) : null;
  return { interfaces: mine.filter((p) => p.device_owner === 'network:router_interface'), gateway };
}

/** The router's nat table (the nft script replacing it). */
export function natRuleset(state: HostState, r: AgentRouter, interfaces: readonly AgentPort[], gateway: AgentPort | null): string {
  const fips = state.floating_ips.filter((f) => f.router_id === r.id && f.fixed_ip_address && isV4(f.floating_ip_address));
  const qg = gateway ? names.inner('qg-', gateway.id) : null;
  const pre = fips.map((f) => `    ip daddr ${f.floating_ip_address} dnat to ${f.fixed_ip_address}`);
  const post: string[] = [];
  if (qg) {
    for (const f of fips) post.push(`    oifname "${qg}" ip saddr ${f.fixed_ip_address} snat to ${f.floating_ip_address}`);
    const gwIp = gateway?.fixed_ips.map((f) => f.ip_address).find(isV4);
    const internal = interfaces.flatMap((p) => p.fixed_ips.flatMap((f) => state.subnets.filter((s) => s.id === f.subnet_id && s.ip_version === 4).map((s) => s.cidr)));
    if (r.gateway?.enable_snat && gwIp && internal.length) post.push(`    oifname "${qg}" ip saddr { ${[...new Set(internal)].join(', ')} } snat to ${gwIp}`);
  }
  return [
    `table ip ${NAT_TABLE}`,
    `delete table ip ${NAT_TABLE}`,
    `table ip ${NAT_TABLE} {`,
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...pre,
    '  }',
    '  chain output {',
    '    type nat hook output priority -100; policy accept;',
    ...pre,
    '  }',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    ...post,
    '  }',
    '}',
    '',
  ].join('\n');
}

async function syncRouter(state: HostState, r: AgentRouter, s: L3Settings, dir: string, nsList: Set<string>): Promise<void> {
  const ns = names.routerNamespace(r.id);
  const { interfaces, gateway } = routerPorts(state, r, s.host);
  if (!nsList.has(ns)) {
    await run('ip', ['netns', 'add', ns]);
    s.log.info({ router_id: r.id, namespace: ns }, 'router namespace created');
  }
  await run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  const wanted = new Set<string>(['lo']);
  for (const p of interfaces) wanted.add(await plugVeth(ns, 'qr-', p, state.subnets));
  if (gateway) {
    const fips = state.floating_ips.filter((f) => f.router_id === r.id && f.fixed_ip_address && isV4(f.floating_ip_address)).map((f) => `${f.floating_ip_address}/32`);
    const qg = await plugVeth(ns, 'qg-', gateway, state.subnets, [...new Set(fips)]);
    wanted.add(qg);
    const sub = gateway.fixed_ips.map((f) => state.subnets.find((x) => x.id === f.subnet_id)).find((x) => x?.ip_version === 4 && x.gateway_ip);
    if (sub?.gateway_ip) await ip(ns, 'route', 'replace', 'default', 'via', sub.gateway_ip, 'dev', qg);
  }
  for (const name of (await links(ns)).keys()) if (!wanted.has(name)) await ip(ns, 'link', 'del', name);
  const nat = natRuleset(state, r, interfaces, gateway);
  const file = path.join(dir, 'nat');
  let old = '';
  try {
    old = fs.readFileSync(file, 'utf8');
  } catch {
    // new
  }
  const inNs = (await run('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'])).includes(`ip ${NAT_TABLE}`);
  if (old !== nat || !inNs) {
    await run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: nat });
    fs.writeFileSync(file, nat);
    s.log.info({ router_id: r.id, floating_ips: nat.split('dnat to').length - 1 }, 'router NAT applied');
  }
}

/** Build every router of this host; remove the namespaces of the routers this agent made that are gone. */
export async function syncRouters(state: HostState, s: L3Settings): Promise<{ routers: number; floating_ips: number; interfaces: number }> {
  const root = path.join(s.stateDir, 'l3');
  fs.mkdirSync(root, { recursive: true });
  const here = state.routers.filter((r) => r.admin_state_up && state.ports.some((p) => p.device_id === r.id && p.host === s.host && p.device_owner.startsWith('network:router_')));
  const nsList = await namespaces();
  let interfaces = 0;
  let fips = 0;
  for (const r of here) {
    const dir = path.join(root, r.id);
    fs.mkdirSync(dir, { recursive: true });
    await syncRouter(state, r, s, dir, nsList);
    interfaces += routerPorts(state, r, s.host).interfaces.length;
    fips += state.floating_ips.filter((f) => f.router_id === r.id && f.fixed_ip_address).length;
  }
  const wanted = new Set(here.map((r) => r.id));
  for (const d of fs.readdirSync(root)) {
    if (wanted.has(d)) continue;
    await run('ip', ['netns', 'del', names.routerNamespace(d)], { allowFailure: true });
    fs.rmSync(path.join(root, d), { recursive: true, force: true });
    s.log.info({ router_id: d }, 'router removed');
  }
  return { routers: here.length, floating_ips: fips, interfaces };
}

/** The L3 role (Neutron's L3 agent, legacy routers). */
export function l3Role(s: L3Settings): RoleDriver {
  let last = { routers: 0, floating_ips: 0, interfaces: 0 };
  return {
    role: 'l3',
    async sync(state) {
      last = await syncRouters(state, s);
    },
    configurations: () => ({ agent_mode: 'legacy', ...last, ex_gw_ports: last.routers, external_network_bridge: '' }),
  };
}
