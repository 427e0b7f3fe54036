/**
 * nova-compute's side of networking (nova.network.neutron.API as the
 * compute manager uses it): allocate_for_instance creates a port per
 * requested network (or takes the requested port) and binds it to this
 * host (device_id, device_owner compute:<zone>, binding:host_id);
 * the VIFs are read back into the instance's network info cache;
 * deallocate_for_instance deletes the ports nova created and unbinds the
 * others; setup_instance_network_on_host moves the bindings with the
 * instance. Everything as the [neutron] user (the caller's token does not
 * cross the bus), ports owned by the instance's project.
 */
import type { NeutronClient, NeutronPort } from '../clients/neutron.ts';
import type { RequestContext } from '../context.ts';
import { PortNotFound } from '../exception/network.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { NetworkInfo, RequestedNetwork, SubnetInfo, VifInfo } from '../objects/network-info.ts';

/** Port attributes nova sets when it binds a port to an instance on a host. */
export function bindingOf(instance: InstanceDTO, host: string): Record<string, unknown> {
  return { device_id: instance.uuid, device_owner: `compute:${instance.availability_zone ?? 'nova'}`, 'binding:host_id': host };
}

/** One VIF of the network info cache from a port, its network, subnets and floating IPs (Nova's _build_vif_model). */
export async function vifOf(neutron: NeutronClient, ctx: RequestContext, port: NeutronPort, tag: string | null, preserve: boolean): Promise<VifInfo> {
  const network = await neutron.show(ctx, 'networks', port.network_id, true);
  const subnetIds = [...new Set(port.fixed_ips.map((f) => f.subnet_id))];
  const subnets = subnetIds.length ? await neutron.list(ctx, 'subnets', { id: subnetIds }, true) : [];
  const floating = await neutron.list(ctx, 'floatingips', { port_id: port.id }, true);
  const subnetInfos: SubnetInfo[] = subnets.map((s) => ({
    cidr: s.cidr,
    version: s.ip_version,
    gateway: { address: s.gateway_ip },
    ips: port.fixed_ips
      .filter((f) => f.subnet_id === s.id)
      .map((f) => ({
        address: f.ip_address,
        type: 'fixed' as const,
        version: s.ip_version,
        floating_ips: floating
          .filter((fip) => fip.fixed_ip_address === f.ip_address)
          .map((fip) => ({ address: fip.floating_ip_address, type: 'floating' as const, version: fip.floating_ip_address.includes(':') ? 6 : 4 })),
      })),
    dns: (s.dns_nameservers ?? []).map((address) => ({ address })),
    routes: ((s.host_routes as { destination: string; nexthop: string }[] | undefined) ?? []).map((r) => ({ cidr: r.destination, gateway: { address: r.nexthop } })),
    meta: { enable_dhcp: s.enable_dhcp, ...(typeof s.ipv6_address_mode === 'string' ? { ipv6_address_mode: s.ipv6_address_mode } : {}) },
  }));
  return {
    id: port.id,
    address: port.mac_address,
    network: { id: network.id, label: network.name, subnets: subnetInfos, meta: { ...(network.mtu ? { mtu: network.mtu } : {}), tenant_id: network.tenant_id } },
    type: port['binding:vif_type'] ?? 'bridge',
    devname: `tap${port.id}`.slice(0, 14),
    active: port.status === 'ACTIVE',
    vnic_type: port['binding:vnic_type'] ?? 'normal',
    preserve_on_delete: preserve,
    tag,
  };
}

/**
 * The network info cache refreshed from the service: the instance's ports
 * (device_id) in the order the cache had them, new ones after; tags and
 * preserve_on_delete kept (Nova's _get_instance_nw_info).
 */
export async function refreshNetworkInfo(neutron: NeutronClient, ctx: RequestContext, instance: InstanceDTO): Promise<NetworkInfo> {
  const ports = await neutron.list(ctx, 'ports', { device_id: instance.uuid }, true);
  const known = new Map(instance.network_info.map((v, i) => [v.id, { v, i }]));
  ports.sort((a, b) => (known.get(a.id)?.i ?? Number.MAX_SAFE_INTEGER) - (known.get(b.id)?.i ?? Number.MAX_SAFE_INTEGER));
  return Promise.all(ports.map((p) => vifOf(neutron, ctx, p, known.get(p.id)?.v.tag ?? null, known.get(p.id)?.v.preserve_on_delete ?? false)));
}

/**
 * allocate_for_instance: a port per requested network (created for the
 * project with the requested fixed IP and security groups), requested ports
 * bound as they are; the VIFs in request order. A failure deletes the ports
 * created so far and unbinds the requested ones, then is rethrown.
 */
export async function allocateForInstance(
  neutron: NeutronClient,
  ctx: RequestContext,
  instance: InstanceDTO,
  requested: readonly RequestedNetwork[],
  securityGroups: readonly string[],
  host: string,
): Promise<NetworkInfo> {
  const created: string[] = [];
  const bound: string[] = [];
  const vifs: VifInfo[] = [];
  try {
    for (const r of requested) {
      if (r.network_id === 'none' || r.network_id === 'auto') continue;
      let port: NeutronPort;
      if (r.port_id) {
        port = await neutron.update(ctx, 'ports', r.port_id, bindingOf(instance, host), true);
        bound.push(port.id);
      } else if (r.network_id) {
        const fields: Record<string, unknown> = { network_id: r.network_id, tenant_id: instance.project_id, admin_state_up: true, ...bindingOf(instance, host) };
        if (r.address) fields.fixed_ips = [{ ip_address: r.address }];
        if (securityGroups.length) fields.security_groups = [...securityGroups];
        port = await neutron.create(ctx, 'ports', fields, true);
        created.push(port.id);
      } else continue;
      vifs.push(await vifOf(neutron, ctx, port, r.tag, r.port_id !== null));
    }
    return vifs;
  } catch (e) {
    for (const id of created) await neutron.delete(ctx, 'ports', id, true).catch(() => undefined);
    for (const id of bound) await unbind(neutron, ctx, id).catch(() => undefined);
    throw e;
  }
}

/** A port given back: no device, no host. */
export async function unbind(neutron: NeutronClient, ctx: RequestContext, portId: string): Promise<void> {
  await neutron.update(ctx, 'ports', portId, { device_id: '', device_owner: '', 'binding:host_id': '' }, true);
}

/**
 * deallocate_for_instance: the ports nova created for the instance are
 * deleted, the ones it was given (preserve_on_delete) unbound; a port
 * already gone is no error.
 */
export async function deallocateForInstance(neutron: NeutronClient, ctx: RequestContext, instance: InstanceDTO): Promise<void> {
  const preserved = new Set(instance.network_info.filter((v) => v.preserve_on_delete).map((v) => v.id));
  const ports = await neutron.list(ctx, 'ports', { device_id: instance.uuid }, true);
  for (const p of ports) {
    try {
      if (preserved.has(p.id)) await unbind(neutron, ctx, p.id);
      else await neutron.delete(ctx, 'ports', p.id, true);
    } catch (e) {
      if (!(e instanceof PortNotFound)) throw e;
    }
  }
}

/** setup_instance_network_on_host: the instance's ports bound to `host` (a move's destination); the refreshed cache. */
export async function bindToHost(neutron: NeutronClient, ctx: RequestContext, instance: InstanceDTO, host: string): Promise<NetworkInfo> {
  const ports = await neutron.list(ctx, 'ports', { device_id: instance.uuid }, true);
  for (const p of ports) if (p['binding:host_id'] !== host) await neutron.update(ctx, 'ports', p.id, { 'binding:host_id': host }, true);
  return refreshNetworkInfo(neutron, ctx, instance);
}
