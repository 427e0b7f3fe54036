import type { RequestContext } from '../context.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { RequestSpec } from '../objects/request-spec.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import type { ConsoleEndpoint, RebootType } from '../virt/driver.ts';
import { COMPUTE_RPC_VERSION, COMPUTE_TOPIC, type ComputeAPI } from './rpc-types.ts';

/** Client stubs for nova-compute; each message goes to `compute.<instance.host>` (or the given host). */
export class ComputeRpcApi implements ComputeAPI {
  private readonly client: RpcClient;

  constructor(transport: Transport, timeoutMs: number) {
    this.client = new RpcClient(transport, { topic: COMPUTE_TOPIC, version: COMPUTE_RPC_VERSION, timeoutMs });
  }

  private to(host: string | null): RpcClient {
    if (!host) throw new Error('instance has no host');
    return this.client.prepare({ server: host });
  }

  build_and_run_instance(ctx: RequestContext, args: { instance: InstanceDTO; request_spec: RequestSpec; node: string; admin_password: string | null }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'build_and_run_instance', args);
  }
  terminate_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'terminate_instance', args);
  }
  start_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'start_instance', args);
  }
  stop_instance(ctx: RequestContext, args: { instance: InstanceDTO; clean_shutdown: boolean }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'stop_instance', args);
  }
  reboot_instance(ctx: RequestContext, args: { instance: InstanceDTO; reboot_type: RebootType }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'reboot_instance', args);
  }
  pause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'pause_instance', args);
  }
  unpause_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'unpause_instance', args);
  }
  suspend_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'suspend_instance', args);
  }
  resume_instance(ctx: RequestContext, args: { instance: InstanceDTO }): Promise<void> {
    return this.to(args.instance.host).cast(ctx, 'resume_instance', args);
  }
  get_console_output(ctx: RequestContext, args: { instance: InstanceDTO; tail_length: number | null }): Promise<string> {
    return this.to(args.instance.host).call(ctx, 'get_console_output', args);
  }
  get_console_endpoint(ctx: RequestContext, args: { instance: InstanceDTO; console_type: 'novnc' | 'serial' | 'spice-html5' }): Promise<ConsoleEndpoint> {
    return this.to(args.instance.host).call(ctx, 'get_console_endpoint', args);
  }
}
