/**
 * nova-compute's host methods (host-rpc-types.ts), as Nova's compute
 * manager answers them: host actions go to the driver (a driver without
 * one is Nova's NotImplementedError: NotImplementedYet, which the API
 * answers 501), set_host_enabled falls back to 'enabled'/'disabled';
 * diagnostics need a running guest (InstanceInvalidState "power state …"
 * otherwise); cache_images asks the driver per image and logs the outcome;
 * external events are logged per instance; network-changed and
 * network-vif-deleted refresh the instance's network info cache from the
 * network service (the addresses the API shows); network-vif-deleted also
 * unplugs the port's VIF from the guest.
 */
import type { NeutronClient } from '../clients/neutron.ts';
import type { ConductorAPI } from '../conductor/rpc-types.ts';
import type { RequestContext } from '../context.ts';
import { NotImplementedYet } from '../exception/base.ts';
import { InstanceInvalidState } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import { PowerState } from '../objects/states.ts';
import type { Endpoint } from '../rpc/server.ts';
import { methodsOf } from '../rpc/server.ts';
import type { ComputeDriver } from '../virt/driver.ts';
import type { InstanceDiagnostics } from '../virt/driver-host.ts';
import { type CacheResult, COMPUTE_HOST_METHODS, COMPUTE_HOST_RPC_VERSION, type ComputeHostAPI, type ComputeHostArgs } from './host-rpc-types.ts';
import { vifDeleted } from './interfaces.ts';
import { refreshNetworkInfo } from './networking.ts';

export interface ComputeHostDeps {
  readonly host: string;
  readonly driver: ComputeDriver;
  readonly log: Logger;
  /** For network-changed: the network service and where the refreshed cache is saved. */
  readonly network?: NeutronClient | undefined;
  readonly conductor?: ConductorAPI | undefined;
}

/** Events after which the network info cache is read again (Nova's _process_instance_event network-changed, vif-deleted). */
const REFRESHING = new Set(['network-changed', 'network-vif-deleted']);

/** Nova's power_state.STATE_MAP. */
const STATE_NAMES: Readonly<Record<number, string>> = { 0: 'pending', 1: 'running', 3: 'paused', 4: 'shutdown', 6: 'crashed', 7: 'suspended' };

/** Nova's answer for a driver method the driver does not have. */
function notSupported(): NotImplementedYet {
  return new NotImplementedYet('The requested functionality is not supported.');
}

export class ComputeHostManager implements ComputeHostAPI {
  constructor(private readonly d: ComputeHostDeps) {}

  /** The endpoint nova-compute serves these methods on. */
  endpoint(): Endpoint {
    return { version: COMPUTE_HOST_RPC_VERSION, methods: methodsOf<ComputeHostAPI>(this, COMPUTE_HOST_METHODS) };
  }

  async get_host_uptime(_ctx: RequestContext, _args: ComputeHostArgs<'get_host_uptime'>): Promise<string> {
    if (!this.d.driver.getHostUptime) throw notSupported();
    return this.d.driver.getHostUptime();
  }

  async host_power_action(_ctx: RequestContext, args: ComputeHostArgs<'host_power_action'>): Promise<string> {
    if (!this.d.driver.hostPowerAction) throw notSupported();
    return this.d.driver.hostPowerAction(args.action);
  }

  async host_maintenance_mode(_ctx: RequestContext, args: ComputeHostArgs<'host_maintenance_mode'>): Promise<string> {
    if (!this.d.driver.hostMaintenanceMode) throw notSupported();
    return this.d.driver.hostMaintenanceMode(args.host_param, args.mode);
  }

  /** Only some drivers can; the others still answer the contract's 'enabled' or 'disabled', as Nova's manager does. */
  async set_host_enabled(_ctx: RequestContext, args: ComputeHostArgs<'set_host_enabled'>): Promise<string> {
    if (!this.d.driver.setHostEnabled) return args.enabled ? 'enabled' : 'disabled';
    return this.d.driver.setHostEnabled(args.enabled);
  }

  /** InstanceInvalidState unless the guest runs (Nova checks the power state the driver reports). */
  private async requireRunning(instance: InstanceDTO): Promise<void> {
    const state = (await this.d.driver.getInfo(instance)).state;
    if (state !== PowerState.RUNNING) {
      throw InstanceInvalidState.of(instance.uuid, 'power state', STATE_NAMES[instance.power_state] ?? 'pending', 'get_diagnostics');
    }
  }

  async get_diagnostics(_ctx: RequestContext, args: ComputeHostArgs<'get_diagnostics'>): Promise<Record<string, number | string>> {
    await this.requireRunning(args.instance);
    this.d.log.info({ instance: args.instance.uuid }, 'Retrieving diagnostics');
    return (await this.d.driver.getDiagnostics(args.instance)).legacy;
  }

  async get_instance_diagnostics(_ctx: RequestContext, args: ComputeHostArgs<'get_instance_diagnostics'>): Promise<InstanceDiagnostics> {
    await this.requireRunning(args.instance);
    this.d.log.info({ instance: args.instance.uuid }, 'Retrieving diagnostics');
    return (await this.d.driver.getDiagnostics(args.instance)).standard;
  }

  async cache_images(_ctx: RequestContext, args: ComputeHostArgs<'cache_images'>): Promise<void> {
    const results: CacheResult = {};
    this.d.log.info({ images: args.image_ids.length }, `Caching ${args.image_ids.length} image(s) by request`);
    for (const id of args.image_ids) {
      if (!this.d.driver.cacheImage) {
        results[id] = 'unsupported';
        continue;
      }
      try {
        results[id] = (await this.d.driver.cacheImage(id)) ? 'cached' : 'existing';
      } catch (e) {
        results[id] = 'error';
        this.d.log.error({ image: id, err: e instanceof Error ? e.message : String(e) }, `Failed to cache image ${id}`);
      }
    }
    if (!this.d.driver.cacheImage) this.d.log.warn('Virt driver does not support image pre-caching; ignoring request');
    this.d.log.info({ results }, 'image pre-cache done');
  }

  async external_instance_event(ctx: RequestContext, args: ComputeHostArgs<'external_instance_event'>): Promise<void> {
    const known = new Map(args.instances.map((i) => [i.uuid, i]));
    const refresh = new Set<string>();
    for (const e of args.events) {
      const inst = known.get(e.instance_uuid);
      if (!inst) continue;
      this.d.log.info({ instance: e.instance_uuid, event: e.name, tag: e.tag, status: e.status }, `Received event ${e.name}${e.tag ? `-${e.tag}` : ''}`);
      if (REFRESHING.has(e.name)) refresh.add(e.instance_uuid);
      // The port is gone: its VIF leaves the guest (the refresh below drops it from the cache).
      if (e.name === 'network-vif-deleted' && e.tag && inst.host === this.d.host) await vifDeleted(this.d, inst, e.tag);
    }
    const { network, conductor } = this.d;
    if (!network || !conductor) return;
    for (const uuid of refresh) {
      const inst = known.get(uuid);
      if (!inst) continue;
      try {
        // The instance as it is now (a move may have changed it since the API read it).
        const now = await conductor.instance_get(ctx, { uuid });
        if (now.host !== this.d.host) continue;
        const networkInfo = await refreshNetworkInfo(network, ctx, now);
        await conductor.instance_update(ctx, { uuid, updates: { network_info: networkInfo } });
      } catch (e) {
        this.d.log.warn({ instance: uuid, err: e instanceof Error ? e.message : String(e) }, 'could not refresh the network info cache');
      }
    }
  }
}
