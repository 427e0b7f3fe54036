/**
 * nova-network's side of the agents' RPC API (rpc-types.ts): their
 * heartbeats into the agents table, and the state each host's agents build
 * from, with the ports the DHCP and L3 agents need created or bound first.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { AGENTS_TABLE } from './db/schema.ts';
import { type Doc, dbNow, isDuplicate } from './db/store.ts';
import type { NetworkDeps } from './http.ts';
import { type FixedIp, writePort } from './ipam.ts';
import { binding, deletePort } from './ports.ts';
import { serviceDoc } from './routers.ts';
import { AGENT_TYPES, type AgentRole, type HostState, type NetworkPluginAPI, type NetworkPluginArgs } from './rpc-types.ts';

/** Neutron's agent timestamps: 'YYYY-MM-DD HH:MM:SS'. */
const agentTime = (db: string) => db.slice(0, 19);

/** Is an agent alive: reported within `downTime` seconds. */
export function agentAlive(doc: Readonly<Doc>, downTime: number, now = Date.now()): boolean {
  const t = Date.parse(`${String(doc.heartbeat_timestamp).replace(' ', 'T')}Z`);
  return Number.isFinite(t) && now - t <= downTime * 1000;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bool = (v: unknown, dflt: boolean): boolean => (typeof v === 'boolean' ? v : dflt);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

async function reportState(deps: NetworkDeps, args: NetworkPluginArgs<'report_state'>): Promise<{ id: string; admin_state_up: boolean }> {
  const a = args.agent;
  const now = agentTime(dbNow());
  for (let attempt = 0; ; attempt++) {
    const existing = (await deps.store.list(AGENTS_TABLE, { parent_id: a.agent_type })).find((d) => d.host === a.host);
    const fields = {
      agent_type: a.agent_type,
      binary: a.binary,
      host: a.host,
      topic: a.topic,
      configurations: a.configurations,
      availability_zone: a.agent_type === AGENT_TYPES.bridge ? null : (a.availability_zone ?? 'nova'),
      heartbeat_timestamp: now,
      resources_synced: null,
    };
    if (existing) {
      const doc: Doc = { ...existing, ...fields, ...(a.start_flag ? { started_at: now } : {}) };
      await deps.store.update(AGENTS_TABLE, doc);
      return { id: existing.id, admin_state_up: existing.admin_state_up !== false };
    }
    const doc: Doc = { id: randomUUID(), project_id: '', ...fields, admin_state_up: true, description: null, created_at: now, started_at: now };
    try {
      await deps.store.insert(AGENTS_TABLE, doc, { parent_id: a.agent_type, unique_key: createHash('sha1').update(a.host).digest('hex') });
      deps.log.info({ agent_type: a.agent_type, host: a.host }, 'agent registered');
      return { id: doc.id, admin_state_up: true };
    } catch (e) {
      if (!isDuplicate(e) || attempt > 2) throw e;
    }
  }
}

const dhcpDeviceId = (host: string, networkId: string) => `dhcp${createHash('sha1').update(host).digest('hex').slice(0, 32)}-${networkId}`;

/** A DHCP port on every network with a DHCP-enabled subnet (an address on each), bound to `host`; stale ones removed. */
async function ensureDhcpPorts(deps: NetworkDeps, host: string, subnets: readonly Doc[], ports: readonly Doc[]): Promise<boolean> {
  let changed = false;
  const wanted = new Map<string, string[]>();
  for (const s of subnets) if (s.enable_dhcp === true && s.ip_version === 4) wanted.set(String(s.network_id), [...(wanted.get(String(s.network_id)) ?? []), s.id]);
  for (const p of ports) {
    if (p.device_owner !== 'network:dhcp' || p.device_id !== dhcpDeviceId(host, String(p.network_id))) continue;
    const subs = wanted.get(String(p.network_id));
    const has = new Set((p.fixed_ips as FixedIp[]).map((f) => f.subnet_id));
    if (subs?.every((s) => has.has(s)) && has.size === subs.length) {
      wanted.delete(String(p.network_id));
      continue;
    }
    await deletePort(deps, p);
    changed = true;
  }
  for (const [netId, subs] of wanted) {
    const net = await deps.store.get('networks', netId);
    if (!net) continue;
    const doc = { ...serviceDoc(net.project_id, netId, dhcpDeviceId(host, netId), 'network:dhcp'), 'binding:host_id': host, ...binding(host) };
    await writePort(deps.store, { doc, networkId: netId, requested: subs.map((subnet_id) => ({ subnet_id })), baseMac: deps.conf.base_mac });
    deps.log.info({ network_id: netId, host }, 'DHCP port created');
    changed = true;
  }
  return changed;
}

/** Router ports nobody hosts yet go to `host` (one L3 agent host: the network node). */
async function bindRouterPorts(deps: NetworkDeps, host: string, ports: readonly Doc[]): Promise<boolean> {
  let changed = false;
  for (const p of ports) {
    if ((p.device_owner !== 'network:router_interface' && p.device_owner !== 'network:router_gateway') || p['binding:host_id']) continue;
    await deps.store.update('ports', { ...p, 'binding:host_id': host, ...binding(host) });
    changed = true;
  }
  return changed;
}

async function readState(deps: NetworkDeps): Promise<Omit<HostState, 'revision'>> {
  const [networks, subnets, ports, rules, routers, fips, agents] = await Promise.all([
    deps.store.list('networks'),
    deps.store.list('subnets'),
    deps.store.list('ports'),
    deps.store.list('security_group_rules'),
    deps.store.list('routers'),
    deps.store.list('floating_ips'),
    deps.store.list(AGENTS_TABLE, { parent_id: AGENT_TYPES.bridge }),
  ]);
  return {
    networks: networks.map((n) => ({
      id: n.id,
      project_id: n.project_id,
      network_type: str(n['provider:network_type']),
      physical_network: n['provider:physical_network'] == null ? null : str(n['provider:physical_network']),
      segmentation_id: num(n['provider:segmentation_id']),
      mtu: num(n.mtu) ?? 1500,
      admin_state_up: bool(n.admin_state_up, true),
      external: n['router:external'] === true,
    })),
    subnets: subnets.map((s) => ({
      id: s.id,
      network_id: str(s.network_id),
      cidr: str(s.cidr),
      ip_version: num(s.ip_version) ?? 4,
      gateway_ip: s.gateway_ip == null ? null : str(s.gateway_ip),
      enable_dhcp: s.enable_dhcp === true,
      dns_nameservers: Array.isArray(s.dns_nameservers) ? s.dns_nameservers.map(str) : [],
      host_routes: Array.isArray(s.host_routes) ? (s.host_routes as { destination: string; nexthop: string }[]) : [],
    })),
    ports: ports.map((p) => ({
      id: p.id,
      network_id: str(p.network_id),
      mac_address: str(p.mac_address),
      fixed_ips: (p.fixed_ips as FixedIp[]).map((f) => ({ subnet_id: f.subnet_id, ip_address: f.ip_address })),
      device_owner: str(p.device_owner),
      device_id: str(p.device_id),
      project_id: str(p.project_id),
      host: str(p['binding:host_id']),
      admin_state_up: bool(p.admin_state_up, true),
      port_security_enabled: bool(p.port_security_enabled, true),
      security_groups: Array.isArray(p.security_groups) ? p.security_groups.map(str) : [],
      allowed_address_pairs: Array.isArray(p.allowed_address_pairs) ? (p.allowed_address_pairs as { ip_address: string; mac_address: string | null }[]) : [],
    })),
    security_group_rules: rules.map((r) => ({
      id: r.id,
      security_group_id: str(r.security_group_id),
      direction: r.direction === 'egress' ? 'egress' : 'ingress',
      ethertype: r.ethertype === 'IPv6' ? 'IPv6' : 'IPv4',
      protocol: r.protocol == null ? null : String(r.protocol),
      port_range_min: num(r.port_range_min),
      port_range_max: num(r.port_range_max),
      remote_ip_prefix: r.remote_ip_prefix == null ? null : str(r.remote_ip_prefix),
      remote_group_id: r.remote_group_id == null ? null : str(r.remote_group_id),
    })),
    routers: routers.map((r) => {
      const g = r._gateway as Record<string, unknown> | null | undefined;
      return {
        id: r.id,
        admin_state_up: bool(r.admin_state_up, true),
        gateway: g ? { network_id: str(g.network_id), enable_snat: g.enable_snat !== false, port_id: str(g._port_id) } : null,
      };
    }),
    floating_ips: fips.map((f) => ({
      id: f.id,
      floating_ip_address: str(f.floating_ip_address),
      fixed_ip_address: f.fixed_ip_address == null ? null : str(f.fixed_ip_address),
      port_id: f.port_id == null ? null : str(f.port_id),
      router_id: f.router_id == null ? null : str(f.router_id),
    })),
    tunnel_peers: agents
      .filter((a) => agentAlive(a, deps.conf.agent_down_time) && a.admin_state_up !== false)
      .flatMap((a) => {
        const ip = (a.configurations as Record<string, unknown> | undefined)?.tunneling_ip;
        return typeof ip === 'string' && ip ? [{ host: str(a.host), local_ip: ip }] : [];
      }),
  };
}

/** The plugin endpoints over the network service's store. */
export function networkPlugin(deps: NetworkDeps): NetworkPluginAPI {
  return {
    report_state: (_ctx: RequestContext, args) => reportState(deps, args),
    async sync_state(_ctx: RequestContext, args) {
      const roles = new Set<AgentRole>(args.roles);
      if (roles.has('dhcp') || roles.has('l3')) {
        const [subnets, ports] = await Promise.all([deps.store.list('subnets'), deps.store.list('ports')]);
        if (roles.has('dhcp')) await ensureDhcpPorts(deps, args.host, subnets, ports);
        if (roles.has('l3')) await bindRouterPorts(deps, args.host, ports);
      }
      const state = await readState(deps);
      const revision = createHash('sha1').update(JSON.stringify(state)).digest('hex');
      if (args.since === revision) return { unchanged: true, revision };
      return { revision, ...state };
    },
  };
}
