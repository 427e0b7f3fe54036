import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { CONDUCTOR_METHODS, CONDUCTOR_RPC_VERSION, CONDUCTOR_TOPIC, type ConductorAPI } from './rpc-types.ts';

/** nova-conductor's stubs, and the same stubs with another call timeout (short waits for the conductor at start). */
export interface ConductorRpcApi extends ConductorAPI {
  withTimeout(timeoutMs: number): ConductorRpcApi;
}

function stubs(client: RpcClient): ConductorRpcApi {
  return { ...rpcStubs<ConductorAPI>(CONDUCTOR_METHODS, () => client), withTimeout: (timeoutMs) => stubs(client.prepare({ timeoutMs })) };
}

/** Client stubs for nova-conductor: each method is one call or cast on the `conductor` topic. */
export function conductorRpcApi(transport: Transport, timeoutMs: number): ConductorRpcApi {
  return stubs(new RpcClient(transport, { topic: CONDUCTOR_TOPIC, version: CONDUCTOR_RPC_VERSION, timeoutMs }));
}
