import type { RequestContext } from '../context.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';
import type { ConsoleEndpoint, RebootType } from '../virt/driver.ts';

export const COMPUTE_TOPIC = 'compute';
export const COMPUTE_RPC_VERSION = '1.0';

/** The methods nova-compute serves on `compute.<host>`. */
export interface ComputeAPI {
  build_and_run_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec: RequestSpec; node: string; admin_password: string | null }): Promise<void>;
  terminate_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  start_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  stop_instance(ctx: RequestContext, args: { instance: InstanceDTO; clean_shutdown: boolean }): Promise<void>;
  reboot_instance(ctx: RequestContext, args: { instance: InstanceDTO; reboot_type: RebootType }): Promise<void>;
  pause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  unpause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  suspend_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  resume_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void>;
  get_console_output(ctx: RequestContext, args: { instance: InstanceDTO; tail_length: number | null }): Promise<string>;
  get_console_endpoint(ctx: RequestContext, args: { instance: InstanceDTO; console_type: 'novnc' | 'serial' | 'spice-html5' }): Promise<ConsoleEndpoint>;
}

/** The methods served over RPC, and how each is sent. */
export const COMPUTE_METHODS = {
  build_and_run_instance: 'cast',
  terminate_instance: 'cast',
  start_instance: 'cast',
  stop_instance: 'cast',
  reboot_instance: 'cast',
  pause_instance: 'cast',
  unpause_instance: 'cast',
  suspend_instance: 'cast',
  resume_instance: 'cast',
  get_console_output: 'call',
  get_console_endpoint: 'call',
} as const satisfies RpcKinds<ComputeAPI>;

/** The arguments of one method. */
export type ComputeArgs<K extends keyof ComputeAPI> = ArgsOf<ComputeAPI, K>;
