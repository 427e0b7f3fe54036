/**
 * nova-compute's host methods (Nova's compute RPC get_host_uptime,
 * host_power_action, host_maintenance_mode, set_host_enabled,
 * get_diagnostics, get_instance_diagnostics, cache_images,
 * external_instance_event), served on `compute.<host>` beside the instance
 * lifecycle methods of rpc-types.ts as their own endpoint.
 */
import type { RequestContext } from '../context.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';
import type { HostPowerAction, InstanceDiagnostics } from '../virt/driver-host.ts';

/** The version of the host endpoint (same topic as the lifecycle methods, its own endpoint). */
export const COMPUTE_HOST_RPC_VERSION = '1.0';

/** One external event for an instance (nova.objects.InstanceExternalEvent). */
export interface ExternalEvent {
  instance_uuid: string;
  name: string;
  status: string;
  tag: string | null;
}

/** Image pre-cache outcome per image id, as Nova's cache_images answers. */
export type CacheResult = Record<string, 'cached' | 'existing' | 'unsupported' | 'error'>;

/** The host methods; `host` names the compute host a message goes to (else the instance's host). */
export interface ComputeHostAPI {
  get_host_uptime(ctx: RequestContext, args: { host: string }): Promise<string>;
  host_power_action(ctx: RequestContext, args: { host: string; action: HostPowerAction }): Promise<string>;
  host_maintenance_mode(ctx: RequestContext, args: { host: string; host_param: string; mode: boolean }): Promise<string>;
  set_host_enabled(ctx: RequestContext, args: { host: string; enabled: boolean }): Promise<string>;
  /** The driver's own dict (the body before 2.48). */
  get_diagnostics(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<Record<string, number | string>>;
  /** The standard format (2.48). */
  get_instance_diagnostics(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<InstanceDiagnostics>;
  /** Fetch images into the host's cache (a cast from nova-api for os-aggregates/{id}/images). */
  cache_images(ctx: RequestContext, args: { host: string; image_ids: string[] }): Promise<void>;
  /** Events from other services (neutron, cinder…) about instances on this host. */
  external_instance_event(ctx: RequestContext, args: { host: string; instances: InstanceDTO[]; events: ExternalEvent[] }): Promise<void>;
}

export const COMPUTE_HOST_METHODS = {
  get_host_uptime: 'call',
  host_power_action: 'call',
  host_maintenance_mode: 'call',
  set_host_enabled: 'call',
  get_diagnostics: 'call',
  get_instance_diagnostics: 'call',
  cache_images: 'cast',
  external_instance_event: 'cast',
} as const satisfies RpcKinds<ComputeHostAPI>;

export type ComputeHostArgs<K extends keyof ComputeHostAPI> = ArgsOf<ComputeHostAPI, K>;
