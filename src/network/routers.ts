/**
 * /v2.0/routers: routers with an external gateway (a port on an external
 * network, SNAT on by default; only admins choose enable_snat or the
 * gateway's addresses) and interfaces (PUT add_router_interface /
 * remove_router_interface, on a subnet's gateway address or an existing port).
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { noneToEmptyList, stringList, toBoolean } from './attributes.ts';
import { findVisible, type ResourceOps } from './crud.ts';
import type { Doc } from './db/store.ts';
import { badResourceRequest, conflict, notFound } from './errors.ts';
import { json, type NetworkDeps, type NetworkRoute, route } from './http.ts';
import { type FixedIp, writePort } from './ipam.ts';
import { assertWriter, owns } from './policy.ts';
import { binding, deletePort, portNotFound } from './ports.ts';
import { denied, type ResourceDef, standardAttrs } from './resource.ts';
import { subnetNotFound } from './subnets.ts';

export const ROUTER: ResourceDef = {
  resource: 'router',
  collection: 'routers',
  attrs: {
    ...standardAttrs(),
    admin_state_up: { post: true, put: true, default: true, convert: toBoolean, sort: true },
    status: { sort: true },
    external_gateway_info: {
      post: true,
      put: true,
      default: null,
      validate: (v) => (v === null || (typeof v === 'object' && !Array.isArray(v)) ? null : `'${String(v)}' is not a dictionary`),
    },
    routes: { put: true, convert: noneToEmptyList },
    distributed: { adminView: true },
    ha: { adminView: true },
    availability_zone_hints: { post: true, default: [], convert: noneToEmptyList, validate: stringList },
    availability_zones: {},
    flavor_id: {},
  },
};

export const routerNotFound = (id: string) => notFound('RouterNotFound', `Router ${id} could not be found`);

/** The gateway port of a router on `networkId`, with the addresses asked for (admin) or one automatically. */
async function gatewayPort(deps: NetworkDeps, router: Doc, info: Record<string, unknown>, ctx: RequestContext): Promise<Record<string, unknown>> {
  const netId = String(info.network_id ?? '');
  const net = netId ? await deps.store.get('networks', netId) : null;
  if (!net) throw notFound('NetworkNotFound', `Network ${netId} could not be found.`);
  if (net['router:external'] !== true) throw badResourceRequest('router', `Network ${netId} is not an external network`);
  if ((info.enable_snat !== undefined || info.external_fixed_ips !== undefined) && !ctx.is_admin)
    throw denied('update_router', [info.enable_snat !== undefined ? 'external_gateway_info:enable_snat' : 'external_gateway_info:external_fixed_ips']);
  const port = await writePort(deps.store, {
    doc: serviceDoc('', netId, router.id, 'network:router_gateway'),
    networkId: netId,
    requested: Array.isArray(info.external_fixed_ips) ? (info.external_fixed_ips as Record<string, unknown>[]) : undefined,
    baseMac: deps.conf.base_mac,
  });
  return { network_id: netId, enable_snat: info.enable_snat === undefined ? true : toBoolean(info.enable_snat), external_fixed_ips: port.fixed_ips, _port_id: port.id };
}

/** A port a router or floating IP owns (no security groups, bound nowhere). */
export function serviceDoc(project: string, networkId: string, deviceId: string, owner: string): Doc {
  return {
    id: randomUUID(),
    project_id: project,
    tenant_id: project,
    name: '',
    description: '',
    network_id: networkId,
    admin_state_up: true,
    device_id: deviceId,
    device_owner: owner,
    status: 'ACTIVE',
    security_groups: [],
    port_security_enabled: false,
    allowed_address_pairs: [],
    'binding:host_id': '',
    ...binding(''),
    'binding:vnic_type': 'normal',
    'binding:profile': {},
    ip_allocation: 'immediate',
    propagate_uplink_status: false,
    tags: [],
  };
}

/** The gateway as the API shows it (without the internal port id). */
function shownGateway(info: unknown): unknown {
  if (!info || typeof info !== 'object') return null;
  const { _port_id: _, ...rest } = info as Record<string, unknown>;
  return rest;
}

/** Floating IPs that go out through this router. */
const floatingIpsVia = async (deps: NetworkDeps, routerId: string) => (await deps.store.list('floating_ips')).filter((f) => f.router_id === routerId);

async function setGateway(deps: NetworkDeps, router: Doc, info: unknown, ctx: RequestContext): Promise<unknown> {
  const old = router._gateway as Record<string, unknown> | null | undefined;
  const wanted = info && typeof info === 'object' && Object.keys(info).length ? (info as Record<string, unknown>) : null;
  if (old && (!wanted || wanted.network_id !== old.network_id)) {
    if ((await floatingIpsVia(deps, router.id)).length)
      throw conflict(
        'RouterExternalGatewayInUseByFloatingIp',
        `Gateway cannot be updated for router ${router.id}, since a gateway to external network ${String(old.network_id)} is required by one or more floating IPs.`,
      );
    const port = await deps.store.get('ports', String(old._port_id));
    if (port) await deletePort(deps, port);
  }
  if (!wanted) return null;
  if (old && wanted.network_id === old.network_id) return { ...old, enable_snat: wanted.enable_snat === undefined ? old.enable_snat : toBoolean(wanted.enable_snat) };
  return gatewayPort(deps, router, wanted, ctx);
}

export const routerOps: ResourceOps = {
  def: ROUTER,
  table: 'routers',
  path: '/v2.0/routers',
  quota: 'router',
  notFound: routerNotFound,
  async decorate(_deps, docs) {
    return docs.map((d) => ({ ...d, external_gateway_info: shownGateway(d._gateway) }));
  },
  async create(deps, req, p) {
    const v = p.values;
    const project = String(v.project_id);
    let doc: Doc = {
      id: randomUUID(),
      project_id: project,
      tenant_id: project,
      name: v.name,
      description: v.description,
      admin_state_up: v.admin_state_up,
      status: 'ACTIVE',
      _gateway: null,
      routes: [],
      distributed: false,
      ha: false,
      availability_zone_hints: v.availability_zone_hints,
      availability_zones: [],
      flavor_id: null,
      tags: [],
    };
    doc = await deps.store.insert('routers', doc);
    if (v.external_gateway_info) {
      try {
        const gw = await setGateway(deps, doc, v.external_gateway_info, req.ctx);
        doc = (await deps.store.update('routers', { ...doc, _gateway: gw })) ?? doc;
      } catch (e) {
        await deps.store.delete('routers', doc.id);
        throw e;
      }
    }
    return doc;
  },
  async update(deps, req, doc, p) {
    const { external_gateway_info: info, ...rest } = p.values;
    let gw = doc._gateway;
    if (info !== undefined) gw = await setGateway(deps, doc, info, req.ctx);
    const updated = await deps.store.update('routers', { ...doc, ...rest, _gateway: gw });
    if (!updated) throw routerNotFound(doc.id);
    return updated;
  },
  async remove(deps, _req, doc) {
    const ports = (await deps.store.list('ports', { ref_id: doc.id })).filter((x) => x.device_owner === 'network:router_interface');
    if (ports.length) throw conflict('RouterInUse', `Router ${doc.id} still has ports`);
    await setGateway(deps, doc, null, { request_id: '', user_id: null, project_id: null, roles: [], is_admin: true });
    await deps.store.delete('routers', doc.id);
  },
};

/** The answer of add/remove_router_interface. */
function interfaceInfo(router: Doc, port: Doc): Record<string, unknown> {
  const subnets = (port.fixed_ips as FixedIp[]).map((f) => f.subnet_id);
  return { id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: port.id, network_id: port.network_id, subnet_id: subnets[0], subnet_ids: subnets };
}

const interfaceBody = (body: unknown): Record<string, unknown> => {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  const b = body as Record<string, unknown>;
  if (b.subnet_id === undefined && b.port_id === undefined) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  if (b.subnet_id !== undefined && b.port_id !== undefined) throw badResourceRequest('router', 'Cannot specify both subnet-id and port-id');
  return b;
};

async function addInterface(deps: NetworkDeps, ctx: RequestContext, router: Doc, b: Record<string, unknown>): Promise<Doc> {
  const mine = (await deps.store.list('ports', { ref_id: router.id })).filter((x) => x.device_owner === 'network:router_interface');
  const onSubnet = (id: string) => mine.some((x) => (x.fixed_ips as FixedIp[]).some((f) => f.subnet_id === id));
  if (b.port_id !== undefined) {
    const port = await deps.store.get('ports', String(b.port_id));
    if (!port || !owns(ctx, port)) throw portNotFound(String(b.port_id));
    if (port.device_id)
      throw conflict(
        'PortInUse',
        `Unable to complete operation on port ${port.id} for network ${String(port.network_id)}. Port already has an attached device ${String(port.device_id)}.`,
      );
    const ips = port.fixed_ips as FixedIp[];
    if (!ips.length) throw badResourceRequest('router', `Router port must have at least one fixed IP`);
    for (const f of ips) if (onSubnet(f.subnet_id)) throw badResourceRequest('router', `Router already has a port on subnet ${f.subnet_id}`);
    return (await deps.store.update('ports', { ...port, device_id: router.id, device_owner: 'network:router_interface' }, { ref_id: router.id })) ?? port;
  }
  const subnet = await deps.store.get('subnets', String(b.subnet_id));
  if (!subnet || !(owns(ctx, subnet) || subnet.shared === true)) throw subnetNotFound(String(b.subnet_id));
  if (!subnet.gateway_ip) throw badResourceRequest('router', `Subnet for router interface must have a gateway IP`);
  if (onSubnet(subnet.id)) throw badResourceRequest('router', `Router already has a port on subnet ${subnet.id}`);
  return writePort(deps.store, {
    doc: serviceDoc(router.project_id, String(subnet.network_id), router.id, 'network:router_interface'),
    networkId: String(subnet.network_id),
    requested: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }],
    baseMac: deps.conf.base_mac,
  });
}

async function removeInterface(deps: NetworkDeps, router: Doc, b: Record<string, unknown>): Promise<Doc> {
  const mine = (await deps.store.list('ports', { ref_id: router.id })).filter((x) => x.device_owner === 'network:router_interface');
  const port = b.port_id !== undefined ? mine.find((x) => x.id === b.port_id) : mine.find((x) => (x.fixed_ips as FixedIp[]).some((f) => f.subnet_id === b.subnet_id));
  if (!port) {
    if (b.port_id !== undefined) throw notFound('RouterInterfaceNotFound', `Router ${router.id} does not have an interface with id ${String(b.port_id)}`);
    throw notFound('RouterInterfaceNotFoundForSubnet', `Router ${router.id} has no interface on subnet ${String(b.subnet_id)}`);
  }
  const subnets = new Set((port.fixed_ips as FixedIp[]).map((f) => f.subnet_id));
  for (const f of await floatingIpsVia(deps, router.id)) {
    const fport = f.port_id ? await deps.store.get('ports', String(f.port_id)) : null;
    const via = fport && (fport.fixed_ips as FixedIp[]).find((x) => x.ip_address === f.fixed_ip_address);
    if (via && subnets.has(via.subnet_id))
      throw conflict(
        'RouterInterfaceInUseByFloatingIP',
        `Router interface for subnet ${via.subnet_id} on router ${router.id} cannot be deleted, as it is required by one or more floating IPs.`,
      );
  }
  await deletePort(deps, port);
  return port;
}

/** PUT /v2.0/routers/{id}/add_router_interface and remove_router_interface. */
export function routerInterfaceRoutes(deps: NetworkDeps): NetworkRoute[] {
  return (['add', 'remove'] as const).map((op) =>
    route({
      method: 'PUT',
      path: `/v2.0/routers/:id/${op}_router_interface`,
      policy: `${op}_router_interface`,
      handler: async (req) => {
        const router = await findVisible(routerOps, deps, req.ctx, req.params.id);
        assertWriter(req.ctx, `${op}_router_interface`);
        const b = interfaceBody(req.body);
        const port = op === 'add' ? await addInterface(deps, req.ctx, router, b) : await removeInterface(deps, router, b);
        return json(interfaceInfo(router, port));
      },
    }),
  );
}
