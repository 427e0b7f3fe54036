import type { RequestContext } from '../context.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { CONDUCTOR_RPC_VERSION, CONDUCTOR_TOPIC, type ConductorAPI } from './rpc-types.ts';

/** Client stubs for nova-conductor: one method, one call. */
export class ConductorRpcApi implements ConductorAPI {
  private readonly client: RpcClient;

  constructor(transport: Transport, timeoutMs: number) {
    this.client = new RpcClient(transport, { topic: CONDUCTOR_TOPIC, version: CONDUCTOR_RPC_VERSION, timeoutMs });
  }

  /** A client with another call timeout (e.g. short waits for conductor at start). */
  withTimeout(timeoutMs: number): ConductorRpcApi {
    const c = Object.create(ConductorRpcApi.prototype) as ConductorRpcApi;
    (c as unknown as { client: RpcClient }).client = this.client.prepare({ timeoutMs });
    return c;
  }

  service_register(ctx: RequestContext, args: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    return this.client.call(ctx, 'service_register', args);
  }

  service_heartbeat(ctx: RequestContext, args: { service_id: number }): Promise<ServiceDTO> {
    return this.client.call(ctx, 'service_heartbeat', args);
  }
}
