/**
 * The host half of the compute API façade (nova.compute.api.HostAPI), and
 * the calls nova-api makes to one compute host for an instance's figures:
 * each host call first looks the host up as Nova does — a host that is not
 * a compute host is not mapped to any cell (HostMappingNotFound), a mapped
 * one needs its nova-compute service (HostNotFound) and it up
 * (ComputeServiceUnavailable: Nova checks that for uptime only and lets the
 * other calls time out on a down host) — then asks that host over the bus.
 */
import type { ComputeHostAPI, ExternalEvent } from '../compute/host-rpc-types.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { Invalid, NotFound } from '../exception/base.ts';
import { InstanceNotReady } from '../exception/console.ts';
import { ComputeServiceUnavailable } from '../exception/resources.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { serviceIsUp } from '../service/servicegroup.ts';
import type { HostPowerAction, InstanceDiagnostics } from '../virt/driver-host.ts';

/** Nova's HostMappingNotFound (an Invalid; the APIs answer it 404). */
export class HostMappingNotFound extends Invalid {
  static of(name: string): HostMappingNotFound {
    return new HostMappingNotFound(`Host '${name}' is not mapped to any cell`, { name });
  }
}

/** Nova's HostNotFound. */
export class HostNotFound extends NotFound {
  static of(host: string): HostNotFound {
    return new HostNotFound(`Host ${host} could not be found.`, { host });
  }
}

export interface HostApiDeps {
  readonly conf: NovaConfig;
  readonly db: DbApi;
  readonly rpc: ComputeHostAPI;
}

export class HostApi {
  constructor(private readonly d: HostApiDeps) {}

  /** HostMapping.get_by_host: compute hosts (a nova-compute service or a compute node) are mapped; anything else is not. */
  async requireMapped(host: string): Promise<void> {
    const [service, nodes] = await Promise.all([this.d.db.services.findByHostAndBinary(host, 'nova-compute'), this.d.db.computeNodes.listByHost(host)]);
    if (!service && nodes.length === 0) throw HostMappingNotFound.of(host);
  }

  /** _assert_host_exists: the host's nova-compute service (HostNotFound without one; ComputeServiceUnavailable when it must be up and is not). */
  async computeService(host: string, mustBeUp = false): Promise<ServiceDTO> {
    await this.requireMapped(host);
    const service = await this.d.db.services.findByHostAndBinary(host, 'nova-compute');
    if (!service) throw HostNotFound.of(host);
    if (mustBeUp && !serviceIsUp(service, this.d.conf.DEFAULT.service_down_time)) {
      throw new ComputeServiceUnavailable(`Compute service of ${host} is unavailable at this time.`, { host });
    }
    return service;
  }

  /** Is the host's nova-compute up? */
  isUp(service: ServiceDTO): boolean {
    return serviceIsUp(service, this.d.conf.DEFAULT.service_down_time);
  }

  async getHostUptime(ctx: RequestContext, host: string): Promise<string> {
    await this.computeService(host, true);
    return this.d.rpc.get_host_uptime(ctx, { host });
  }

  async setHostEnabled(ctx: RequestContext, host: string, enabled: boolean): Promise<string> {
    await this.computeService(host, true);
    return this.d.rpc.set_host_enabled(ctx, { host, enabled });
  }

  async hostPowerAction(ctx: RequestContext, host: string, action: HostPowerAction): Promise<string> {
    await this.computeService(host, true);
    return this.d.rpc.host_power_action(ctx, { host, action });
  }

  async setHostMaintenance(ctx: RequestContext, host: string, mode: boolean): Promise<string> {
    await this.computeService(host, true);
    return this.d.rpc.host_maintenance_mode(ctx, { host, host_param: host, mode });
  }

  /** check_instance_host: InstanceNotReady (409) before the instance has a host. */
  private requireHost(instance: InstanceDTO): void {
    if (!instance.host) throw InstanceNotReady.of(instance.uuid);
  }

  async getDiagnostics(ctx: RequestContext, instance: InstanceDTO): Promise<Record<string, number | string>> {
    this.requireHost(instance);
    return this.d.rpc.get_diagnostics(ctx, { instance });
  }

  async getInstanceDiagnostics(ctx: RequestContext, instance: InstanceDTO): Promise<InstanceDiagnostics> {
    this.requireHost(instance);
    return this.d.rpc.get_instance_diagnostics(ctx, { instance });
  }

  /** Cast the events to the hosts of their instances (compute_api.external_instance_event). */
  async externalInstanceEvent(ctx: RequestContext, instances: readonly InstanceDTO[], events: readonly ExternalEvent[]): Promise<void> {
    const byHost = new Map<string, { instances: InstanceDTO[]; events: ExternalEvent[] }>();
    for (const inst of instances) {
      if (!inst.host) continue;
      const entry = byHost.get(inst.host) ?? { instances: [], events: [] };
      entry.instances.push(inst);
      byHost.set(inst.host, entry);
    }
    for (const e of events) {
      const host = instances.find((i) => i.uuid === e.instance_uuid)?.host;
      if (host) byHost.get(host)?.events.push(e);
    }
    for (const [host, entry] of byHost) await this.d.rpc.external_instance_event(ctx, { host, instances: entry.instances, events: entry.events });
  }

  /** Cast an image pre-cache request to every host that is up (down hosts are skipped, as Nova's conductor does); answers the hosts asked. */
  async cacheImages(ctx: RequestContext, hosts: readonly string[], imageIds: string[]): Promise<string[]> {
    const asked: string[] = [];
    for (const host of hosts) {
      const service = await this.d.db.services.findByHostAndBinary(host, 'nova-compute');
      if (!service || !this.isUp(service)) continue;
      await this.d.rpc.cache_images(ctx, { host, image_ids: imageIds });
      asked.push(host);
    }
    return asked;
  }
}
