/**
 * nova-api's checks of a boot's networks and security groups with the
 * network service, as the caller (nova.network.neutron.API.validate_networks
 * and the security group API's validate_name): the requested networks
 * exist, the requested ports exist and are free, and no network request is
 * left ambiguous; the result is what nova-compute allocates.
 */
import type { NeutronClient } from '../clients/neutron.ts';
import type { RequestContext } from '../context.ts';
import { NetworkAmbiguous, NetworkNotFound, PortInUse, PortNotFound, SecurityGroupNotFound, UnableToAutoAllocateNetwork } from '../exception/network.ts';
import type { RequestedNetwork } from '../objects/network-info.ts';
import { ServerSecurityGroups } from './security-groups.ts';

/** The networks a project may boot on when none is named: its own and the shared ones (_get_available_networks). */
export async function availableNetworks(neutron: NeutronClient, ctx: RequestContext): Promise<string[]> {
  const own = await neutron.list(ctx, 'networks', { tenant_id: ctx.project_id ?? '', shared: false });
  const shared = await neutron.list(ctx, 'networks', { shared: true });
  return [...new Set([...own, ...shared].filter((n) => n['router:external'] !== true || n.shared).map((n) => n.id))];
}

/**
 * validate_networks: the concrete requests to allocate. `requested` null
 * (before 2.37, no `networks`) or 'auto': the one available network (none:
 * no port before 2.37; 'auto' needs the auto-allocated-topology extension);
 * more than one: NetworkAmbiguous. 'none': no port.
 */
export async function validateNetworks(neutron: NeutronClient, ctx: RequestContext, requested: readonly RequestedNetwork[] | null): Promise<RequestedNetwork[]> {
  const auto = requested?.length === 1 && requested[0]?.network_id === 'auto';
  if (requested?.length === 1 && requested[0]?.network_id === 'none') return [];
  if (requested === null || requested.length === 0 || auto) {
    const nets = await availableNetworks(neutron, ctx);
    if (nets.length > 1) throw new NetworkAmbiguous();
    const [only] = nets;
    if (only !== undefined) return [{ network_id: only, port_id: null, address: null, tag: null }];
    // _can_auto_allocate_network: making one needs Neutron's auto-allocated-topology extension, which the network service has not.
    if (auto) throw UnableToAutoAllocateNetwork.of(ctx.project_id ?? '');
    return [];
  }
  const netIds = [...new Set(requested.flatMap((r) => (r.port_id === null && r.network_id ? [r.network_id] : [])))];
  if (netIds.length) {
    const found = new Set((await neutron.list(ctx, 'networks', { id: netIds })).map((n) => n.id));
    const missing = netIds.filter((id) => !found.has(id));
    if (missing.length) throw NetworkNotFound.of(missing.join(', '));
  }
  const out: RequestedNetwork[] = [];
  for (const r of requested) {
    if (r.port_id) {
      let port: Awaited<ReturnType<NeutronClient['show']>>;
      try {
        port = await neutron.show(ctx, 'ports', r.port_id);
      } catch (e) {
        if (e instanceof PortNotFound) throw PortNotFound.of(r.port_id);
        throw e;
      }
      if ('device_id' in port && port.device_id) throw PortInUse.of(r.port_id);
      out.push({ ...r, network_id: 'network_id' in port ? port.network_id : null });
    } else out.push(r);
  }
  return out;
}

/**
 * The ids of the security groups named at boot (_check_requested_secgroups:
 * each found by id or by name in the caller's project, as neutronclient's
 * find_resourceid_by_name_or_id); 'default' alone, or none, is the
 * project's default group (left to the network service). An unknown one:
 * SecurityGroupNotFound (400 at the API); a name several groups have:
 * NoUniqueMatch (409).
 */
export async function securityGroupIds(neutron: NeutronClient, ctx: RequestContext, names: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(names)];
  if (wanted.length === 0 || (wanted.length === 1 && wanted[0] === 'default')) return [];
  const groups = new ServerSecurityGroups({ network: neutron });
  const out: string[] = [];
  for (const name of wanted) {
    const id = await groups.findId(ctx, name);
    // neutronclient's NotFound, whose message Nova passes on.
    if (id === null) throw new SecurityGroupNotFound(`Unable to find security_group with name or id '${name}'`, { security_group_id: name });
    out.push(id);
  }
  return out;
}
