import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { CONSOLEAUTH_METHODS, CONSOLEAUTH_RPC_VERSION, CONSOLEAUTH_TOPIC, type ConsoleAuthAPI } from './rpc-types.ts';

/** Client stubs for nova-consoleauth: each method is one call or cast on the `consoleauth` topic. */
export function consoleAuthRpcApi(transport: Transport, timeoutMs: number): ConsoleAuthAPI {
  const client = new RpcClient(transport, { topic: CONSOLEAUTH_TOPIC, version: CONSOLEAUTH_RPC_VERSION, timeoutMs });
  return rpcStubs<ConsoleAuthAPI>(CONSOLEAUTH_METHODS, () => client);
}
