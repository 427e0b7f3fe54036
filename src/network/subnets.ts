/**
 * /v2.0/subnets: IPv4 and IPv6 subnets of a network, with allocation pools
 * (by default the cidr less its network, broadcast and gateway addresses),
 * gateway, DNS servers, host routes and DHCP, checked as Neutron's
 * db_base_plugin_v2 and ipam_backend_mixin check them.
 */
import { randomUUID } from 'node:crypto';
import {
  canonicalAddress,
  canonicalCidr,
  hostroutes,
  ipAddressOrNone,
  ipPools,
  nameservers,
  noneToEmptyList,
  subnetOrNone,
  toBoolean,
  toInt,
  uuid,
  uuidOrNone,
  values,
} from './attributes.ts';
import type { ResourceOps } from './crud.ts';
import type { Doc } from './db/store.ts';
import { badResourceRequest, conflict, hidden, invalidInput, NeutronError, notFound } from './errors.ts';
import type { NetworkDeps } from './http.ts';
import { type Cidr, contains, defaultPools, formatCidr, formatIp, formatRange, type IpRange, lastAddress, overlaps, parseCidr, parseIp } from './ip.ts';
import { visibleNetwork } from './networks.ts';
import { owns } from './policy.ts';
import { denied, NOT_SET, type ResourceDef, standardAttrs } from './resource.ts';

const IPV6_MODES = ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac'];

export const SUBNET: ResourceDef = {
  resource: 'subnet',
  collection: 'subnets',
  attrs: {
    ...standardAttrs(),
    ip_version: { post: true, convert: toInt, validate: values([4, 6]), sort: true },
    network_id: { post: true, validate: uuid, sort: true },
    subnetpool_id: { post: true, default: NOT_SET, validate: uuidOrNone, sort: true },
    prefixlen: { post: true, default: NOT_SET, visible: false },
    cidr: { post: true, default: NOT_SET, convert: canonicalCidr, validate: subnetOrNone, sort: true },
    gateway_ip: { post: true, put: true, default: NOT_SET, convert: canonicalAddress, validate: ipAddressOrNone, sort: true },
    allocation_pools: { post: true, put: true, default: NOT_SET, validate: ipPools },
    dns_nameservers: { post: true, put: true, default: [], convert: noneToEmptyList, validate: nameservers },
    host_routes: { post: true, put: true, default: [], convert: noneToEmptyList, validate: hostroutes },
    enable_dhcp: { post: true, put: true, default: true, convert: toBoolean, sort: true },
    ipv6_ra_mode: { post: true, default: null, validate: (v) => (v === null ? null : values(IPV6_MODES)(v)), sort: true },
    ipv6_address_mode: { post: true, default: null, validate: (v) => (v === null ? null : values(IPV6_MODES)(v)), sort: true },
    shared: { visible: false },
    service_types: { post: true, put: true, default: [], convert: noneToEmptyList },
    segment_id: { post: true, default: null, validate: uuidOrNone },
    dns_publish_fixed_ip: {},
  },
};

/** 404 SubnetNotFound. */
export const subnetNotFound = (id: string) => notFound('SubnetNotFound', `Subnet ${id} could not be found.`);

/** A subnet's cidr, as stored. */
export const cidrOf = (subnet: Doc): Cidr => parseCidr(subnet.cidr) as Cidr;

/** A subnet's allocation pools as ranges. */
export function poolsOf(subnet: Doc): IpRange[] {
  const c = cidrOf(subnet);
  return (subnet.allocation_pools as { start: string; end: string }[]).map((p) => ({
    version: c.version,
    first: parseIp(p.start)?.value ?? 0n,
    last: parseIp(p.end)?.value ?? 0n,
  }));
}

const rangeText = (r: IpRange) => `${formatRange(r).start}-${formatRange(r).end}`;

/** validate_allocation_pools and validate_gw_out_of_pools. */
function checkPools(cidr: Cidr, pools: IpRange[], gateway: bigint | null): void {
  const first = cidr.network + (cidr.prefix < (cidr.version === 4 ? 31 : 127) ? 1n : 0n);
  const last = lastAddress(cidr) - (cidr.version === 4 && cidr.prefix < 31 ? 1n : 0n);
  for (const p of pools) {
    if (p.first > p.last) throw new NeutronError(400, 'InvalidAllocationPool', `The allocation pool ${rangeText(p)} is not valid.`);
    if (p.first < first || p.last > last)
      throw new NeutronError(400, 'OutOfBoundsAllocationPool', `The allocation pool ${rangeText(p)} spans beyond the subnet cidr ${formatCidr(cidr)}.`);
  }
  for (let i = 0; i < pools.length; i++)
    for (let j = i + 1; j < pools.length; j++) {
      const a = pools[i] as IpRange;
      const b = pools[j] as IpRange;
      if (a.first <= b.last && b.first <= a.last)
        throw conflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${rangeText(a)} ${rangeText(b)} for subnet ${formatCidr(cidr)}.`);
    }
  if (gateway !== null)
    for (const p of pools)
      if (gateway >= p.first && gateway <= p.last)
        throw conflict('GatewayConflictWithAllocationPools', `Gateway ip ${formatIp({ version: cidr.version, value: gateway })} conflicts with allocation pool ${rangeText(p)}.`);
}

/** Ranges from the API's [{start, end}], checked for the subnet's IP version. */
function rangesOf(cidr: Cidr, pools: unknown): IpRange[] {
  return (pools as { start: string; end: string }[]).map((p) => {
    const a = parseIp(p.start);
    const b = parseIp(p.end);
    if (!a || !b || a.version !== cidr.version || b.version !== cidr.version)
      throw new NeutronError(400, 'InvalidAllocationPool', `The allocation pool ${p.start}-${p.end} is not valid.`);
    return { version: cidr.version, first: a.value, last: b.value };
  });
}

const mismatch = (name: string, addr: string, v: number) => invalidInput(`${name} '${addr}' does not match the ip_version '${v}'`);

/** _validate_subnet's checks of the gateway, DNS servers and host routes against the IP version. */
function checkAddresses(v: Record<string, unknown>, version: number, cidr: Cidr): void {
  if (typeof v.gateway_ip === 'string') {
    const g = parseIp(v.gateway_ip);
    if (g?.version !== version) throw mismatch('gateway_ip', v.gateway_ip, version);
    const invalid = g.value === cidr.network || (version === 4 && cidr.prefix < 31 && g.value === lastAddress(cidr));
    if (invalid && contains(cidr, g)) throw invalidInput('Gateway is not valid on subnet');
  }
  for (const dns of (v.dns_nameservers as string[] | undefined) ?? []) if (parseIp(dns)?.version !== version) throw mismatch('dns_nameserver', dns, version);
  for (const r of (v.host_routes as { destination: string; nexthop: string }[] | undefined) ?? []) {
    if (parseCidr(r.destination)?.version !== version) throw mismatch('route destination', r.destination, version);
    if (parseIp(r.nexthop)?.version !== version) throw mismatch('route nexthop', r.nexthop, version);
  }
}

export const subnetOps: ResourceOps = {
  def: SUBNET,
  table: 'subnets',
  path: '/v2.0/subnets',
  quota: 'subnet',
  notFound: subnetNotFound,
  visible: (ctx, doc) => owns(ctx, doc) || doc.shared === true,
  async create(deps: NetworkDeps, req, p) {
    const v = p.values;
    const net = await visibleNetwork(deps, req.ctx, String(v.network_id)).catch(() => {
      throw hidden();
    });
    if (!owns(req.ctx, net)) throw net.shared ? denied('create_subnet') : hidden();
    if (v.cidr === undefined || v.cidr === null) throw badResourceRequest('subnet', 'a subnetpool must be specified in the absence of a cidr');
    if (v.subnetpool_id !== undefined && v.subnetpool_id !== null) throw notFound('SubnetPoolNotFound', `Subnet pool ${String(v.subnetpool_id)} could not be found.`);
    const version = Number(v.ip_version);
    const given = parseCidr(v.cidr) as Cidr;
    if (given.version !== version) throw mismatch('cidr', String(v.cidr), version);
    const cidr: Cidr = { ...given };
    if (version === 6 && cidr.network === 0n) throw invalidInput("IPv6 subnet '::' is not supported");
    if (v.enable_dhcp && ((version === 4 && cidr.prefix > 30) || (version === 6 && cidr.prefix > 126)))
      throw invalidInput('Subnet has a prefix length that is incompatible with DHCP service enabled');
    if (v.gateway_ip === undefined) v.gateway_ip = formatIp({ version: cidr.version, value: cidr.network + 1n });
    checkAddresses(v, version, cidr);
    const gateway = typeof v.gateway_ip === 'string' ? (parseIp(v.gateway_ip)?.value ?? null) : null;
    const pools = v.allocation_pools === undefined ? defaultPools(cidr, gateway) : rangesOf(cidr, v.allocation_pools);
    if (v.allocation_pools !== undefined) checkPools(cidr, pools, gateway);
    const siblings = await deps.store.list('subnets', { parent_id: net.id });
    if (siblings.some((s) => overlaps(cidrOf(s), cidr))) throw invalidInput(`Requested subnet with cidr: ${formatCidr(cidr)} for network: ${net.id} overlaps with another subnet`);
    const id = randomUUID();
    const doc: Doc = {
      id,
      project_id: String(v.project_id),
      tenant_id: String(v.project_id),
      name: v.name,
      description: v.description,
      network_id: net.id,
      ip_version: version,
      subnetpool_id: null,
      cidr: formatCidr(cidr),
      gateway_ip: v.gateway_ip,
      allocation_pools: pools.map(formatRange),
      dns_nameservers: v.dns_nameservers,
      host_routes: v.host_routes,
      enable_dhcp: v.enable_dhcp,
      ipv6_ra_mode: v.ipv6_ra_mode,
      ipv6_address_mode: v.ipv6_address_mode,
      shared: net.shared === true,
      service_types: v.service_types,
      segment_id: null,
      dns_publish_fixed_ip: false,
      tags: [],
    };
    return deps.store.insert('subnets', doc, { parent_id: net.id });
  },
  async update(deps, _req, doc, p) {
    const v = p.values;
    const cidr = cidrOf(doc);
    checkAddresses(v, Number(doc.ip_version), cidr);
    const gwText = v.gateway_ip !== undefined ? v.gateway_ip : doc.gateway_ip;
    const gateway = typeof gwText === 'string' ? (parseIp(gwText)?.value ?? null) : null;
    let pools = poolsOf(doc);
    if (v.allocation_pools !== undefined) pools = rangesOf(cidr, v.allocation_pools);
    if (v.allocation_pools !== undefined || v.gateway_ip !== undefined) checkPools(cidr, pools, gateway);
    if (v.gateway_ip !== undefined && v.gateway_ip !== doc.gateway_ip && typeof doc.gateway_ip === 'string') {
      const used = (await deps.store.allocated([doc.id])).find((a) => a.ip_address === doc.gateway_ip);
      const port = used ? await deps.store.get('ports', used.port_id) : null;
      if (port && String(port.device_owner).startsWith('network:router'))
        throw conflict('GatewayIpInUse', `Current gateway ip ${String(doc.gateway_ip)} already in use by port ${port.id}. Unable to update.`);
    }
    const updated = await deps.store.update('subnets', { ...doc, ...v, allocation_pools: pools.map(formatRange) });
    if (!updated) throw subnetNotFound(doc.id);
    return updated;
  },
  async remove(deps, _req, doc) {
    const allocations = await deps.store.allocated([doc.id]);
    for (const a of allocations) {
      const port = await deps.store.get('ports', a.port_id);
      if (port && port.device_owner !== 'network:dhcp')
        throw conflict('SubnetInUse', `Unable to complete operation on subnet ${doc.id}: One or more ports have an IP allocation from this subnet.`);
    }
    await deps.store.delete('subnets', doc.id);
  },
};
