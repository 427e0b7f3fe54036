import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { SCHEDULER_METHODS, SCHEDULER_RPC_VERSION, SCHEDULER_TOPIC, type SchedulerAPI } from './rpc-types.ts';

/** Client stubs for nova-scheduler: each method is one call or cast on the `scheduler` topic. */
export function schedulerRpcApi(transport: Transport, timeoutMs: number): SchedulerAPI {
  const client = new RpcClient(transport, { topic: SCHEDULER_TOPIC, version: SCHEDULER_RPC_VERSION, timeoutMs });
  return rpcStubs<SchedulerAPI>(SCHEDULER_METHODS, () => client);
}
