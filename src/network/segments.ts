/**
 * Provider attributes of networks (ML2's type drivers, reduced): flat,
 * VLAN and VXLAN segments. A segment is unique through the networks
 * table's (parent_id, unique_key): ('flat', physnet), ('vlan:<physnet>',
 * vlan id), ('vxlan', vni). Networks created without provider attributes
 * get the first of `tenant_network_types` that has room.
 */
import { badRequest, conflict, NeutronError } from './errors.ts';
import type { NetworkDeps } from './http.ts';

/** A network's segment as the API shows it, and the keys that make it unique. */
export interface Segment {
  readonly network_type: string;
  readonly physical_network: string | null;
  readonly segmentation_id: number | null;
  readonly parent: string;
  readonly key: string;
}

/** The requested provider:* attributes (undefined: not given). */
export interface ProviderRequest {
  network_type?: unknown;
  physical_network?: unknown;
  segmentation_id?: unknown;
}

const invalid = (msg: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${msg}.`);

function ranges(specs: readonly string[]): [number, number][] {
  return specs.flatMap((s) => {
    const [a, b] = s.split(':').map((x) => Number(x));
    return a !== undefined && b !== undefined && Number.isInteger(a) && Number.isInteger(b) ? [[a, b] as [number, number]] : [];
  });
}

function vlanRanges(deps: NetworkDeps): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const spec of deps.conf.network_vlan_ranges) {
    const [physnet = '', a, b] = spec.split(':');
    const list = out.get(physnet) ?? [];
    if (a !== undefined && b !== undefined) list.push([Number(a), Number(b)]);
    out.set(physnet, list);
  }
  return out;
}

function segment(type: string, physnet: string | null, seg: number | null): Segment {
  if (type === 'flat') return { network_type: type, physical_network: physnet, segmentation_id: null, parent: 'flat', key: String(physnet) };
  if (type === 'vlan') return { network_type: type, physical_network: physnet, segmentation_id: seg, parent: `vlan:${physnet}`, key: String(seg) };
  return { network_type: type, physical_network: null, segmentation_id: seg, parent: type, key: String(seg) };
}

/** The segment an admin asked for, checked as ML2's type drivers check it (uniqueness is the database's). */
export function requestedSegment(deps: NetworkDeps, p: ProviderRequest): Segment | null {
  if (p.network_type === undefined && p.physical_network === undefined && p.segmentation_id === undefined) return null;
  const type = p.network_type;
  if (typeof type !== 'string') throw invalid('network_type required');
  const physnet = p.physical_network === undefined || p.physical_network === null || p.physical_network === '' ? null : String(p.physical_network);
  const rawSeg = p.segmentation_id;
  const seg = rawSeg === undefined || rawSeg === null ? null : Number(rawSeg);
  if (seg !== null && !Number.isInteger(seg)) throw invalid(`'${String(rawSeg)}' is not an integer`);
  if (type === 'flat') {
    if (seg !== null) throw invalid('segmentation_id not allowed for flat network type');
    if (physnet === null) throw invalid('physical_network required for flat provider network');
    if (!deps.conf.flat_networks.includes('*') && !deps.conf.flat_networks.includes(physnet)) throw invalid(`physical_network '${physnet}' unknown for flat provider network`);
    return segment('flat', physnet, null);
  }
  if (type === 'vlan') {
    if (physnet === null) throw invalid('physical_network required for VLAN provider network');
    if (seg === null) throw invalid('segmentation_id required for VLAN provider network');
    if (seg < 1 || seg > 4094) throw invalid(`segmentation_id out of range (1 through 4094)`);
    return segment('vlan', physnet, seg);
  }
  if (type === 'vxlan') {
    if (physnet !== null) throw invalid('provider:physical_network specified for VXLAN network');
    if (seg !== null && (seg < 1 || seg > 16777215)) throw invalid('segmentation_id out of range (1 through 16777215)');
    return seg === null ? null : segment('vxlan', null, seg);
  }
  throw invalid(`network_type value '${type}' not supported`);
}

/** The 409 for a segment another network holds. */
export function segmentInUse(s: Segment): NeutronError {
  if (s.network_type === 'flat') return conflict('FlatNetworkInUse', `Unable to create the flat network. Physical network ${s.physical_network} is in use.`);
  if (s.network_type === 'vlan') return conflict('VlanIdInUse', `Unable to create the network. The VLAN ${s.segmentation_id} on physical network ${s.physical_network} is in use.`);
  return conflict('TunnelIdInUse', `Unable to create the network. The tunnel ID ${s.segmentation_id} is in use.`);
}

/**
 * A free tenant segment: a random free id of the first tenant network type
 * with room (the caller inserts and, on a duplicate key, asks again).
 * `taken`: the keys in use per parent.
 */
export function allocateSegment(deps: NetworkDeps, taken: (parent: string) => Set<string>, explicitVxlan: boolean): Segment {
  const types = explicitVxlan ? ['vxlan'] : deps.conf.tenant_network_types;
  for (const type of types) {
    const pools: { parent: string; physnet: string | null; ranges: [number, number][] }[] =
      type === 'vxlan'
        ? [{ parent: 'vxlan', physnet: null, ranges: ranges(deps.conf.vni_ranges) }]
        : type === 'vlan'
          ? [...vlanRanges(deps)].map(([physnet, r]) => ({ parent: `vlan:${physnet}`, physnet, ranges: r }))
          : [];
    for (const pool of pools) {
      const used = taken(pool.parent);
      const free: number[] = [];
      for (const [a, b] of pool.ranges) for (let v = a; v <= b && free.length < 64; v++) if (!used.has(String(v))) free.push(v);
      const pick = free[Math.floor(Math.random() * free.length)];
      if (pick !== undefined) return segment(type, pool.physnet, pick);
    }
  }
  throw new NeutronError(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');
}

/** The MTU of a network on this segment ([neutron_server] global_physnet_mtu, less VXLAN's 50 bytes of headers). */
export function segmentMtu(deps: NetworkDeps, s: Segment): number {
  return s.network_type === 'vxlan' ? deps.conf.global_physnet_mtu - 50 : deps.conf.global_physnet_mtu;
}

/** 400 when a requested MTU is above what the segment carries. */
export function checkMtu(mtu: unknown, max: number): void {
  if (typeof mtu === 'number' && mtu > max) throw badRequest(`Requested MTU is too big, maximum is ${max}`);
}
