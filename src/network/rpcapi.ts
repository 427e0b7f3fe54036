import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { NETWORK_PLUGIN_METHODS, NETWORK_PLUGIN_RPC_VERSION, NETWORK_PLUGIN_TOPIC, type NetworkPluginAPI } from './rpc-types.ts';

/** Client stubs the dataplane agents use: each method one call on the `q-plugin` topic. */
export function networkPluginRpcApi(transport: Transport, timeoutMs: number): NetworkPluginAPI {
  const client = new RpcClient(transport, { topic: NETWORK_PLUGIN_TOPIC, version: NETWORK_PLUGIN_RPC_VERSION, timeoutMs });
  return rpcStubs<NetworkPluginAPI>(NETWORK_PLUGIN_METHODS, () => client);
}
