/**
 * /v2.0/networks: networks with the shared, router:external, provider,
 * MTU, port security and availability zone attributes. A network's
 * `subnets` are read from the subnets table; deleting a network deletes its
 * subnets but not while ports other than DHCP ports remain.
 */
import { randomUUID } from 'node:crypto';
import { noneToEmptyList, range, stringList, toBoolean, toInt } from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import { type Doc, isDuplicate } from './db/store.ts';
import { conflict, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { canSeeNetwork, owns } from './policy.ts';
import { enforceAttrs, NOT_SET, type ResourceDef, standardAttrs } from './resource.ts';
import { ensureDefaultGroup } from './security-groups.ts';
import { allocateSegment, checkMtu, requestedSegment, type Segment, segmentInUse, segmentMtu } from './segments.ts';

export const NETWORK: ResourceDef = {
  resource: 'network',
  collection: 'networks',
  attrs: {
    ...standardAttrs(),
    admin_state_up: { post: true, put: true, default: true, convert: toBoolean, sort: true },
    status: { sort: true },
    subnets: {},
    shared: { post: true, put: true, default: false, convert: toBoolean, setBy: 'admin' },
    'router:external': { post: true, put: true, default: false, convert: toBoolean, setBy: 'admin' },
    mtu: { post: true, put: true, default: NOT_SET, convert: toInt, validate: range(68, 65535), sort: true },
    port_security_enabled: { post: true, put: true, default: true, convert: toBoolean },
    'provider:network_type': { post: true, default: NOT_SET, setBy: 'admin', adminView: true },
    'provider:physical_network': { post: true, default: NOT_SET, setBy: 'admin', adminView: true },
    'provider:segmentation_id': { post: true, default: NOT_SET, convert: (v) => (v === null ? null : toInt(v)), setBy: 'admin', adminView: true },
    availability_zone_hints: { post: true, default: [], convert: noneToEmptyList, validate: stringList },
    availability_zones: {},
    ipv4_address_scope: {},
    ipv6_address_scope: {},
    l2_adjacency: {},
  },
};

/** 404 NetworkNotFound. */
export const networkNotFound = (id: string) => notFound('NetworkNotFound', `Network ${id} could not be found.`);

/** The network if the caller may see it, else NetworkNotFound. */
export async function visibleNetwork(deps: NetworkDeps, ctx: Parameters<typeof canSeeNetwork>[0], id: string): Promise<Doc> {
  const net = await deps.store.get('networks', id);
  if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(id);
  return net;
}

/** Insert a network on a requested segment, or on a free tenant segment (retried when another network took it first). */
async function insertOnSegment(deps: NetworkDeps, doc: Doc, requested: Segment | null, explicitVxlan: boolean): Promise<Doc> {
  for (let attempt = 0; ; attempt++) {
    let seg = requested;
    if (!seg) {
      const all = await deps.store.list('networks');
      seg = allocateSegment(deps, (parent) => new Set(all.filter((n) => n._segment_parent === parent).map((n) => String(n._segment_key))), explicitVxlan);
    }
    const mtu = segmentMtu(deps, seg);
    checkMtu(doc.mtu, mtu);
    const full: Doc = {
      ...doc,
      mtu: doc.mtu ?? mtu,
      'provider:network_type': seg.network_type,
      'provider:physical_network': seg.physical_network,
      'provider:segmentation_id': seg.segmentation_id,
      _segment_parent: seg.parent,
      _segment_key: seg.key,
    };
    try {
      return await deps.store.insert('networks', full, { parent_id: seg.parent, unique_key: seg.key });
    } catch (e) {
      if (!isDuplicate(e)) throw e;
      if (requested) throw segmentInUse(requested);
      if (attempt >= 20) throw e;
    }
  }
}

export const networkOps: ResourceOps = {
  def: NETWORK,
  table: 'networks',
  path: '/v2.0/networks',
  quota: 'network',
  notFound: networkNotFound,
  visible: canSeeNetwork,
  async decorate(deps, docs) {
    if (!docs.length) return docs;
    const subnets = await deps.store.list('subnets', { parent_id: docs.map((d) => d.id) });
    return docs.map((d) => ({ ...d, subnets: subnets.filter((s) => s.network_id === d.id).map((s) => s.id) }));
  },
  async create(deps, req, p) {
    enforceAttrs(NETWORK, 'create_network', p.explicit, () => req.ctx.is_admin);
    const v = p.values;
    const requested = requestedSegment(deps, {
      network_type: v['provider:network_type'],
      physical_network: v['provider:physical_network'],
      segmentation_id: v['provider:segmentation_id'],
    });
    const doc: Doc = {
      id: randomUUID(),
      project_id: String(v.project_id),
      tenant_id: String(v.project_id),
      name: v.name,
      description: v.description,
      admin_state_up: v.admin_state_up,
      status: 'ACTIVE',
      subnets: [],
      shared: v.shared,
      'router:external': v['router:external'],
      mtu: v.mtu,
      port_security_enabled: v.port_security_enabled,
      availability_zone_hints: v.availability_zone_hints,
      availability_zones: [],
      ipv4_address_scope: null,
      ipv6_address_scope: null,
      l2_adjacency: true,
      tags: [],
    };
    const net = await insertOnSegment(deps, doc, requested, v['provider:network_type'] === 'vxlan');
    await ensureDefaultGroup(deps, net.project_id);
    return net;
  },
  async update(deps, req, doc, p) {
    enforceAttrs(NETWORK, 'update_network', p.explicit, () => req.ctx.is_admin);
    const v = p.values;
    if (v.shared === false && doc.shared === true) {
      const ports = await deps.store.list('ports', { parent_id: doc.id });
      const other = ports.find((x) => x.project_id !== doc.project_id && x.project_id !== '' && !String(x.device_owner).startsWith('network:'));
      if (other) throw conflict('InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${doc.id}. Multiple tenants are using it.`);
    }
    if (v.mtu !== undefined)
      checkMtu(v.mtu, segmentMtu(deps, { network_type: String(doc['provider:network_type']), physical_network: null, segmentation_id: null, parent: '', key: '' }));
    const updated = await deps.store.update('networks', { ...doc, ...v, subnets: [] });
    if (!updated) throw networkNotFound(doc.id);
    return updated;
  },
  async remove(deps, _req, doc) {
    const ports = await deps.store.list('ports', { parent_id: doc.id });
    if (ports.some((x) => x.device_owner !== 'network:dhcp'))
      throw conflict('NetworkInUse', `Unable to complete operation on network ${doc.id}. There are one or more ports still in use on the network.`);
    await deps.store.transaction(async (s) => {
      for (const port of ports) {
        await s.release(port.id);
        await s.delete('ports', port.id);
      }
      for (const sub of await s.list('subnets', { parent_id: doc.id })) await s.delete('subnets', sub.id);
      await s.delete('networks', doc.id);
    });
  },
};

/** Networks are the caller's to change (admin or owner); others only see shared and external ones. */
export const mayChangeNetwork = owns;
