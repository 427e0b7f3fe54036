/**
 * /v2.0/ports: ports with fixed IPs from IPAM (ipam.ts), a MAC unique on
 * the network, device_id/device_owner, port binding (admin), security
 * groups (the project's default group unless given), allowed address pairs
 * and port security. Ports of routers and floating IPs are theirs: deleting
 * them through this API is refused.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { addressPairs, dictOrEmpty, fixedIps, mac, noneToEmptyDict, noneToEmptyList, sanitizeMac, string, toBoolean, uuid, uuidList, values } from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import type { Doc } from './db/store.ts';
import { conflict, hidden, NeutronError, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { type FixedIp, writePort } from './ipam.ts';
import { visibleNetwork } from './networks.ts';
import { owns } from './policy.ts';
import { denied, enforceAttrs, NOT_SET, type Prepared, type ResourceDef, standardAttrs } from './resource.ts';
import { ensureDefaultGroup } from './security-groups.ts';

/** fixed_ips=ip_address=…, subnet_id=…, ip_address_substr=… (repeatable): ports with an address matching every kind given. */
function fixedIpsFilter(item: Readonly<Record<string, unknown>>, vals: readonly string[]): boolean {
  const want: Record<string, string[]> = {};
  for (const v of vals) {
    const i = v.indexOf('=');
    if (i < 0) continue;
    const k = v.slice(0, i);
    want[k] = [...(want[k] ?? []), v.slice(i + 1)];
  }
  const ips = Array.isArray(item.fixed_ips) ? (item.fixed_ips as FixedIp[]) : [];
  return ips.some(
    (f) =>
      (!want.ip_address || want.ip_address.includes(f.ip_address)) &&
      (!want.subnet_id || want.subnet_id.includes(f.subnet_id)) &&
      (!want.ip_address_substr || want.ip_address_substr.some((s) => f.ip_address.includes(s))),
  );
}

export const PORT: ResourceDef = {
  resource: 'port',
  collection: 'ports',
  attrs: {
    ...standardAttrs(),
    network_id: { post: true, validate: uuid, sort: true },
    admin_state_up: { post: true, put: true, default: true, convert: toBoolean, sort: true },
    mac_address: { post: true, put: true, default: NOT_SET, convert: sanitizeMac, validate: mac, setBy: 'owner', sort: true },
    fixed_ips: { post: true, put: true, default: NOT_SET, validate: fixedIps },
    device_id: { post: true, put: true, default: '', validate: string(255), sort: true },
    device_owner: { post: true, put: true, default: '', validate: string(255), sort: true },
    status: { sort: true },
    security_groups: { post: true, put: true, default: NOT_SET, convert: noneToEmptyList, validate: uuidList },
    allowed_address_pairs: { post: true, put: true, default: NOT_SET, convert: noneToEmptyList, validate: addressPairs, setBy: 'owner' },
    port_security_enabled: { post: true, put: true, default: NOT_SET, convert: toBoolean, setBy: 'owner' },
    'binding:host_id': { post: true, put: true, default: '', validate: string(255), setBy: 'admin', adminView: true },
    'binding:vif_type': { adminView: true },
    'binding:vif_details': { adminView: true },
    'binding:vnic_type': {
      post: true,
      put: true,
      default: 'normal',
      validate: values(['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed']),
    },
    'binding:profile': { post: true, put: true, default: {}, convert: noneToEmptyDict, validate: dictOrEmpty, setBy: 'admin', adminView: true },
    ip_allocation: {},
    propagate_uplink_status: {},
  },
  filters: { fixed_ips: fixedIpsFilter },
};

/** 404 PortNotFound. */
export const portNotFound = (id: string) => notFound('PortNotFound', `Port ${id} could not be found.`);

/** Owners whose ports belong to a router or floating IP (neutron.db.l3_db prevent_l3_port_deletion). */
const SERVICE_OWNERS = new Set([
  'network:router_interface',
  'network:router_gateway',
  'network:floatingip',
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
]);

/** The binding attributes of a port on `host` ('' = unbound): Linux bridge ports, filtered by the agent. */
export function binding(host: string): Record<string, unknown> {
  return host ? { 'binding:vif_type': 'bridge', 'binding:vif_details': { connectivity: 'l2', port_filter: true } } : { 'binding:vif_type': 'unbound', 'binding:vif_details': {} };
}

/** Security groups of a port: those given (they must exist and be the port's project's), else the project's default group. */
async function portGroups(deps: NetworkDeps, ctx: RequestContext, project: string, given: unknown, portSecurity: boolean, deviceOwner: string, hasIps: boolean): Promise<string[]> {
  if (!portSecurity || (given !== undefined && !hasIps)) {
    if (Array.isArray(given) && given.length)
      throw new NeutronError(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');
    return [];
  }
  if (given === undefined) {
    if (deviceOwner.startsWith('network:')) return [];
    const d = await ensureDefaultGroup(deps, project);
    return d ? [d.id] : [];
  }
  const ids = [...new Set(given as string[])];
  for (const id of ids) {
    const g = await deps.store.get('security_groups', id);
    if (!g || (g.project_id !== project && !ctx.is_admin)) throw notFound('SecurityGroupNotFound', `Security group ${id} does not exist`);
  }
  return ids;
}

/** Allowed address pairs with their MAC filled in from the port (as Neutron stores them). */
function pairs(given: unknown, portMac: string | null): { ip_address: string; mac_address: string | null }[] {
  return (given as { ip_address: string; mac_address?: string | null }[]).map((p) => ({
    ip_address: p.ip_address,
    mac_address: p.mac_address ? String(sanitizeMac(p.mac_address)) : portMac,
  }));
}

/** The attribute rules of a port request: network-owner ones pass for the network's project, admin ones for admins. */
function enforcePort(action: string, p: Prepared, ctx: RequestContext, net: Doc): void {
  const netOwner = owns(ctx, net);
  enforceAttrs(PORT, action, p.explicit, (pol) => ctx.is_admin || (pol === 'owner' && netOwner));
  const ips = p.values.fixed_ips;
  if (Array.isArray(ips) && ips.some((f) => f && typeof f === 'object' && 'ip_address' in f) && !netOwner && !ctx.is_admin) throw denied(action, ['fixed_ips:ip_address']);
  const owner = p.values.device_owner;
  if (typeof owner === 'string' && owner.startsWith('network:') && p.explicit.has('device_owner') && !netOwner) throw denied(action, ['device_owner']);
}

export const portOps: ResourceOps = {
  def: PORT,
  table: 'ports',
  path: '/v2.0/ports',
  quota: 'port',
  notFound: portNotFound,
  async create(deps, req, p) {
    const v = p.values;
    const net = await visibleNetwork(deps, req.ctx, String(v.network_id));
    if (!req.ctx.is_admin && net.project_id !== v.project_id && net.shared !== true) throw hidden();
    enforcePort('create_port', p, req.ctx, net);
    const project = String(v.project_id);
    const security = v.port_security_enabled === undefined ? net.port_security_enabled !== false : v.port_security_enabled === true;
    const noIps = Array.isArray(v.fixed_ips) && v.fixed_ips.length === 0;
    const groups = await portGroups(deps, req.ctx, project, v.security_groups, security, String(v.device_owner), !noIps);
    if (v.allowed_address_pairs !== undefined && (v.allowed_address_pairs as unknown[]).length && !security)
      throw conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
    const id = randomUUID();
    const host = String(v['binding:host_id']);
    const doc: Doc = {
      id,
      project_id: project,
      tenant_id: project,
      name: v.name,
      description: v.description,
      network_id: net.id,
      admin_state_up: v.admin_state_up,
      device_id: v.device_id,
      device_owner: v.device_owner,
      status: 'DOWN',
      security_groups: groups,
      port_security_enabled: security,
      'binding:host_id': host,
      ...binding(host),
      'binding:vnic_type': v['binding:vnic_type'],
      'binding:profile': v['binding:profile'],
      ip_allocation: 'immediate',
      propagate_uplink_status: false,
      allowed_address_pairs: v.allowed_address_pairs === undefined ? [] : pairs(v.allowed_address_pairs, null),
      tags: [],
    };
    return writePort(deps.store, {
      doc,
      networkId: net.id,
      requested: v.fixed_ips as Record<string, unknown>[] | undefined,
      mac: v.mac_address as string | undefined,
      baseMac: deps.conf.base_mac,
    });
  },
  async update(deps, req, doc, p) {
    const v = p.values;
    const net = await deps.store.get('networks', String(doc.network_id));
    if (!net) throw portNotFound(doc.id);
    enforcePort('update_port', p, req.ctx, net);
    if (v.mac_address !== undefined && v.mac_address !== doc.mac_address && doc['binding:vif_type'] !== 'unbound')
      throw conflict(
        'PortBound',
        `Unable to complete operation on port ${doc.id}, port is already bound, port type: ${String(doc['binding:vif_type'])}, old_mac ${String(doc.mac_address)}, new_mac ${String(v.mac_address)}.`,
      );
    const security = v.port_security_enabled === undefined ? doc.port_security_enabled === true : v.port_security_enabled === true;
    const next: Doc = { ...doc, ...v, port_security_enabled: security };
    if (v.security_groups !== undefined || v.port_security_enabled !== undefined) {
      const given = v.security_groups ?? (security ? doc.security_groups : []);
      if (!security && v.security_groups === undefined && (doc.security_groups as string[]).length && v.port_security_enabled === false)
        throw conflict('PortSecurityPortHasSecurityGroup', 'Port has security group associated. Cannot disable port security or ip address until security group is removed');
      next.security_groups = await portGroups(deps, req.ctx, doc.project_id, given, security, String(next.device_owner), true);
    }
    const pairsGiven = v.allowed_address_pairs ?? doc.allowed_address_pairs;
    if ((pairsGiven as unknown[]).length && !security)
      throw conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
    if (v.allowed_address_pairs !== undefined) next.allowed_address_pairs = pairs(v.allowed_address_pairs, v.mac_address === undefined ? String(doc.mac_address) : null);
    if (v['binding:host_id'] !== undefined) Object.assign(next, binding(String(v['binding:host_id'])));
    if (v.fixed_ips === undefined && v.mac_address === undefined) {
      const updated = await deps.store.update('ports', next, { ref_id: String(next.device_id) });
      if (!updated) throw portNotFound(doc.id);
      return updated;
    }
    return writePort(deps.store, {
      doc: next,
      networkId: String(doc.network_id),
      requested: (v.fixed_ips as Record<string, unknown>[] | undefined) ?? (doc.fixed_ips as FixedIp[]).map((f) => ({ ...f })),
      mac: v.mac_address as string | undefined,
      baseMac: deps.conf.base_mac,
      existing: doc.fixed_ips as FixedIp[],
    });
  },
  async remove(deps, _req, doc) {
    const owner = String(doc.device_owner);
    if (SERVICE_OWNERS.has(owner)) throw conflict('ServicePortInUse', `Port ${doc.id} cannot be deleted directly via the port API: has device owner ${owner}.`);
    await deletePort(deps, doc);
  },
};

/** Delete a port: its floating IPs are disassociated, its addresses freed. */
export async function deletePort(deps: NetworkDeps, doc: Doc): Promise<void> {
  const fips = await deps.store.list('floating_ips', { ref_id: doc.id });
  await deps.store.transaction(async (s) => {
    for (const f of fips) await s.update('floating_ips', { ...f, port_id: null, fixed_ip_address: null, router_id: null, status: 'DOWN' }, { ref_id: null });
    await s.release(doc.id);
    await s.delete('ports', doc.id);
  });
}
