/**
 * The floating IP half of nova.network.neutron.API, as nova-api uses it for
 * os-floating-ips and the addFloatingIp/removeFloatingIp actions, with the
 * network service as the caller: a floating IP with its network_details
 * (the external network) and port_details (the port it points at, read
 * unless the service has fip-port-details); one by address (none or several
 * are Nova's errors); allocation from a pool by name or id ([neutron]
 * default_floating_pool without one); association with an instance's fixed
 * IP (its port found by device_id and device_owner compute:<zone>),
 * disassociation and release, each refreshing the instance's network info
 * cache as Nova's @refresh_cache does (and, when a floating IP moves, the
 * cache of the server it left, best effort).
 */

import type { NeutronClient, NeutronFloatingIp, NeutronNetwork, NeutronPort } from '../clients/neutron.ts';
import { ABSENT_NETWORK_SERVICE } from '../clients/neutron-absent.ts';
import { refreshNetworkInfo } from '../compute/networking.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { NotFound, NovaError } from '../exception/base.ts';
import {
  FixedIpNotFoundForAddress,
  FloatingIpAssociateFailed,
  FloatingIpBadRequest,
  FloatingIpLimitExceeded,
  FloatingIpMultipleFoundForAddress,
  FloatingIpNotFound,
  FloatingIpNotFoundForAddress,
  FloatingIpPoolNotFound,
  NetworkNotFound,
  NoMoreFixedIps,
  NoMoreFloatingIps,
  PortNotFound,
} from '../exception/network.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';

export interface FloatingIpApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly log: Logger;
  readonly network?: NeutronClient | undefined;
}

/** A floating IP with the details Nova caches on it. */
export interface FloatingIpDetails extends NeutronFloatingIp {
  network_details: NeutronNetwork;
  port_details: NeutronPort | null;
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const typeOf = (e: unknown): unknown => (e instanceof NovaError ? e.kwargs.type : undefined);
const statusOf = (e: unknown): number | undefined => (e instanceof NovaError ? e.status : undefined);

export class ServerFloatingIps {
  constructor(private readonly d: FloatingIpApiDeps) {}

  /** The network service as the caller; without one, a service where nothing exists. */
  get network(): NeutronClient {
    return this.d.network ?? ABSENT_NETWORK_SERVICE;
  }

  /** network_details, and port_details unless the service fills them in (fip-port-details). */
  private async details(ctx: RequestContext, fips: NeutronFloatingIp[], nets?: Map<string, NeutronNetwork>, ports?: Map<string, NeutronPort>): Promise<FloatingIpDetails[]> {
    const withPortDetails = (await this.network.extensions(ctx)).has('fip-port-details');
    const out: FloatingIpDetails[] = [];
    for (const fip of fips) {
      const netId = fip.floating_network_id;
      let network = nets?.get(netId);
      if (!network) {
        if (nets) throw NetworkNotFound.of(netId);
        network = await this.network.show(ctx, 'networks', netId);
      }
      let port = withPortDetails ? ((fip.port_details as NeutronPort | null | undefined) ?? null) : null;
      if (!withPortDetails && fip.port_id) {
        if (ports) port = ports.get(fip.port_id) ?? null;
        else port = await this.network.show(ctx, 'ports', fip.port_id).catch((e: unknown) => (e instanceof PortNotFound ? null : Promise.reject(e)));
      }
      out.push({ ...fip, network_details: network, port_details: port });
    }
    return out;
  }

  /** get_floating_ip: FloatingIpNotFound when the service has none by that id. */
  async get(ctx: RequestContext, id: string): Promise<FloatingIpDetails> {
    let fip: NeutronFloatingIp;
    try {
      fip = await this.network.show(ctx, 'floatingips', id);
    } catch (e) {
      if (statusOf(e) === 404) throw FloatingIpNotFound.of(id);
      throw e;
    }
    const [one] = await this.details(ctx, [fip]);
    if (!one) throw FloatingIpNotFound.of(id);
    return one;
  }

  /** _safe_get_floating_ips: a service without the L3 API (404) has none. */
  private async safeList(ctx: RequestContext, query: Record<string, string>): Promise<NeutronFloatingIp[]> {
    try {
      return await this.network.list(ctx, 'floatingips', query);
    } catch (e) {
      if (statusOf(e) === 404) return [];
      throw e;
    }
  }

  /** _get_floating_ip_by_address. */
  private async find(ctx: RequestContext, address: string): Promise<NeutronFloatingIp> {
    if (!address) throw FloatingIpNotFoundForAddress.forAddress(address);
    const fips = await this.safeList(ctx, { floating_ip_address: address });
    if (fips.length > 1) throw FloatingIpMultipleFoundForAddress.of(address);
    const [fip] = fips;
    if (!fip) throw FloatingIpNotFoundForAddress.forAddress(address);
    return fip;
  }

  /** get_floating_ip_by_address. */
  async getByAddress(ctx: RequestContext, address: string): Promise<FloatingIpDetails> {
    const [one] = await this.details(ctx, [await this.find(ctx, address)]);
    if (!one) throw FloatingIpNotFoundForAddress.forAddress(address);
    return one;
  }

  /** get_floating_ips_by_project: the caller's project's, their networks read at once (and ports, without fip-port-details). */
  async listByProject(ctx: RequestContext): Promise<FloatingIpDetails[]> {
    const project = ctx.project_id ?? '';
    const fips = await this.safeList(ctx, { tenant_id: project });
    if (fips.length === 0) return [];
    const netIds = [...new Set(fips.map((f) => f.floating_network_id))];
    const nets = new Map((await this.network.list(ctx, 'networks', { id: netIds })).map((n) => [n.id, n]));
    const withPortDetails = (await this.network.extensions(ctx)).has('fip-port-details');
    const ports = withPortDetails ? undefined : new Map((await this.network.list(ctx, 'ports', { tenant_id: project })).map((p) => [p.id, p]));
    return this.details(ctx, fips, nets, ports);
  }

  /** get_instance_id_by_floating_address: the device of the port it points at (null when none or the port is gone). */
  async instanceIdByAddress(ctx: RequestContext, address: string): Promise<string | null> {
    const fip = await this.find(ctx, address);
    if (!fip.port_id) return null;
    try {
      return (await this.network.show(ctx, 'ports', fip.port_id)).device_id;
    } catch (e) {
      if (e instanceof PortNotFound) return null;
      throw e;
    }
  }

  /** _get_floating_ip_pool_id_by_name_or_id: exactly one external network. */
  private async poolId(ctx: RequestContext, nameOrId: string): Promise<string> {
    const query = { 'router:external': true, fields: 'id', ...(UUID_LIKE.test(nameOrId) ? { id: nameOrId } : { name: nameOrId }) };
    const nets = await this.network.list(ctx, 'networks', query);
    if (nets.length === 0) throw new FloatingIpPoolNotFound();
    if (nets.length > 1) throw new NovaError(`Multiple floating IP pools matches found for name '${nameOrId}'`);
    return String(nets[0]?.id);
  }

  /** allocate_floating_ip: the new address, from `pool` or [neutron] default_floating_pool. */
  async allocate(ctx: RequestContext, pool: string | null): Promise<string> {
    const poolId = await this.poolId(ctx, pool || this.d.conf.neutron.default_floating_pool);
    try {
      return (await this.network.create(ctx, 'floatingips', { floating_network_id: poolId })).floating_ip_address;
    } catch (e) {
      if (!(e instanceof NovaError)) throw e;
      if (e instanceof NoMoreFixedIps || typeOf(e) === 'ExternalIpAddressExhausted') throw new NoMoreFloatingIps(e.message);
      if (typeOf(e) === 'OverQuota') throw new FloatingIpLimitExceeded(e.message);
      if (statusOf(e) === 400) throw new FloatingIpBadRequest(e.message);
      throw e;
    }
  }

  /** associate_floating_ip: the floating address onto the instance's port with `fixed`; both caches refreshed. */
  async associate(ctx: RequestContext, inst: InstanceDTO, floating: string, fixed: string): Promise<void> {
    const ports = await this.network.list(ctx, 'ports', { device_id: inst.uuid, device_owner: `compute:${inst.availability_zone ?? 'nova'}` });
    const port = ports.find((p) => p.fixed_ips.some((f) => f.ip_address === fixed));
    if (!port) throw FixedIpNotFoundForAddress.of(fixed);
    const fip = await this.find(ctx, floating);
    try {
      await this.network.update(ctx, 'floatingips', fip.id, { port_id: port.id, fixed_ip_address: fixed });
    } catch (e) {
      if (statusOf(e) === 409 && e instanceof Error) throw new FloatingIpAssociateFailed(e.message);
      throw e;
    }
    await this.refresh(ctx, inst);
    if (fip.port_id && fip.port_id !== port.id) await this.refreshFormer(ctx, inst, fip.port_id);
  }

  /** _update_inst_info_cache_for_disassociated_fip: the server the floating IP left, best effort. */
  private async refreshFormer(ctx: RequestContext, inst: InstanceDTO, portId: string): Promise<void> {
    try {
      const former = await this.network.show(ctx, 'ports', portId, true);
      if (!former.device_id || former.device_id === inst.uuid) return;
      await this.refresh(ctx, await this.d.db.instances.get(former.device_id));
    } catch (e) {
      if (e instanceof NotFound) return;
      this.d.log.warn({ port: portId, err: String(e) }, 'An error occurred while trying to refresh the network info cache for an instance associated with the port');
    }
  }

  /** disassociate_floating_ip. */
  async disassociate(ctx: RequestContext, inst: InstanceDTO, address: string): Promise<void> {
    const fip = await this.find(ctx, address);
    await this.network.update(ctx, 'floatingips', fip.id, { port_id: null });
    await this.refresh(ctx, inst);
  }

  /** disassociate_and_release_floating_ip: deleted (even when associated); the instance's cache refreshed. */
  async release(ctx: RequestContext, inst: InstanceDTO | null, floating: FloatingIpDetails): Promise<void> {
    const address = floating.floating_ip_address;
    const fip = await this.find(ctx, address);
    try {
      await this.network.delete(ctx, 'floatingips', fip.id);
    } catch (e) {
      if (statusOf(e) === 404) throw FloatingIpNotFoundForAddress.forAddress(address);
      throw e;
    }
    if (inst) await this.refresh(ctx, inst);
  }

  /** refresh_cache: the instance's network info from the service, saved. */
  private async refresh(ctx: RequestContext, inst: InstanceDTO): Promise<void> {
    const networkInfo = await refreshNetworkInfo(this.network, ctx, inst);
    await this.d.db.instances.update(inst.uuid, { network_info: networkInfo });
  }
}
