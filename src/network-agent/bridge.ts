/**
 * The Linux bridge agent's dataplane: on this host, a bridge `brq<net>`
 * per network that has a port bound here, its VXLAN device `vxlan-<vni>`
 * (or, for a flat network, the mapped physical interface) in it, with one
 * all-zeros forwarding entry per other agent's tunnel endpoint (unicast
 * flooding; MACs are learnt), and each port's tap device plugged into its
 * network's bridge once it exists (Nova's driver, the DHCP and L3 agents
 * create them). Bridges and VXLAN devices no network wants any more are
 * removed: every `brq*` and `vxlan-*` device of this host is the agent's.
 */
import type { AgentNetwork, HostState } from '../network/rpc-types.ts';
import { ip, type Link, links, names, run } from './exec.ts';

export interface BridgeSettings {
  readonly host: string;
  readonly localIp: string;
  readonly enableVxlan: boolean;
  readonly udpPort: number;
  /** physical network → interface. */
  readonly physicalInterfaces: ReadonlyMap<string, string>;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** The networks this host carries: those with a port bound here that it can build. */
export function hostNetworks(state: HostState, s: BridgeSettings): AgentNetwork[] {
  const wanted = new Set(state.ports.filter((p) => p.host === s.host).map((p) => p.network_id));
  return state.networks.filter((n) => wanted.has(n.id) && buildable(n, s));
}

function buildable(n: AgentNetwork, s: BridgeSettings): boolean {
  if (n.network_type === 'vxlan') return s.enableVxlan && n.segmentation_id !== null;
  if (n.network_type === 'flat') return n.physical_network !== null && s.physicalInterfaces.has(n.physical_network);
  return false;
}

async function ensureUp(l: Link | undefined, name: string): Promise<void> {
  if (!l || !(l.flags ?? []).includes('UP')) await ip(undefined, 'link', 'set', name, 'up');
}

async function ensureVxlan(n: AgentNetwork, br: string, have: Map<string, Link>, s: BridgeSettings): Promise<void> {
  const vni = n.segmentation_id ?? 0;
  const dev = names.vxlan(vni);
  const l = have.get(dev);
  const data = l?.linkinfo?.info_data ?? {};
  if (l && (data.id !== vni || data.local !== s.localIp || data.port !== s.udpPort)) {
    await ip(undefined, 'link', 'del', dev);
    have.delete(dev);
  }
  if (!have.has(dev)) await ip(undefined, 'link', 'add', dev, 'type', 'vxlan', 'id', String(vni), 'local', s.localIp, 'dstport', String(s.udpPort));
  const now = have.get(dev);
  if (!now || now.master !== br) await ip(undefined, 'link', 'set', dev, 'master', br);
  if (!now || now.mtu !== n.mtu) await ip(undefined, 'link', 'set', dev, 'mtu', String(n.mtu));
  await ensureUp(now, dev);
}

/** The flooding entries of a VXLAN device: one per peer, stale ones removed. */
export async function syncFlooding(dev: string, peers: readonly string[]): Promise<void> {
  const out = await run('bridge', ['-j', 'fdb', 'show', 'dev', dev], { allowFailure: true });
  const entries = out.trim() ? (JSON.parse(out) as { mac: string; dst?: string }[]) : [];
  const have = new Set(entries.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst as string));
  for (const p of peers) if (!have.has(p)) await run('bridge', ['fdb', 'append', '00:00:00:00:00:00', 'dev', dev, 'dst', p]);
  for (const h of have) if (!peers.includes(h)) await run('bridge', ['fdb', 'del', '00:00:00:00:00:00', 'dev', dev, 'dst', h]);
}

/** Bring this host's bridges, tunnels and taps to what `state` asks; returns how many taps are plugged. */
export async function syncBridges(state: HostState, s: BridgeSettings): Promise<{ bridges: number; devices: number }> {
  const have = await links();
  const nets = hostNetworks(state, s);
  const peers = state.tunnel_peers.filter((p) => p.host !== s.host && p.local_ip !== s.localIp).map((p) => p.local_ip);
  const wanted = new Set<string>();
  for (const n of nets) {
    const br = names.bridge(n.id);
    wanted.add(br);
    if (!have.has(br)) {
      await ip(undefined, 'link', 'add', br, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0');
      s.log.info({ network_id: n.id, bridge: br }, 'bridge created');
    }
    await ensureUp(have.get(br), br);
    if (n.network_type === 'vxlan') {
      wanted.add(names.vxlan(n.segmentation_id ?? 0));
      await ensureVxlan(n, br, have, s);
      await syncFlooding(names.vxlan(n.segmentation_id ?? 0), peers);
    } else {
      const phys = s.physicalInterfaces.get(n.physical_network ?? '') ?? '';
      const l = have.get(phys);
      if (!l) s.log.warn({ network_id: n.id, interface: phys }, 'physical interface missing');
      else if (l.master !== br) await ip(undefined, 'link', 'set', phys, 'master', br);
      await ensureUp(l, phys);
    }
  }
  let devices = 0;
  const byId = new Map(nets.map((n) => [n.id, n]));
  for (const p of state.ports) {
    const n = byId.get(p.network_id);
    if (p.host !== s.host || !n) continue;
    const tap = names.tap(p.id);
    const l = have.get(tap);
    if (!l) continue;
    devices++;
    const br = names.bridge(n.id);
    if (l.master !== br) {
      await ip(undefined, 'link', 'set', tap, 'master', br);
      s.log.info({ port_id: p.id, device: tap, bridge: br }, 'port plugged');
    }
    await ensureUp(l, tap);
  }
  for (const name of have.keys()) {
    if ((name.startsWith('brq') || name.startsWith('vxlan-')) && !wanted.has(name)) {
      await ip(undefined, 'link', 'del', name);
      s.log.info({ device: name }, 'stale device removed');
    }
  }
  return { bridges: nets.length, devices };
}
