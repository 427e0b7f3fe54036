import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { COMPUTE_HOST_METHODS, COMPUTE_HOST_RPC_VERSION, type ComputeHostAPI } from './host-rpc-types.ts';
import { COMPUTE_TOPIC } from './rpc-types.ts';

/** The compute host of a host message: `args.host`, else the instance's host. */
function hostOf(method: string, args: object): string {
  const direct: unknown = 'host' in args ? args.host : undefined;
  if (typeof direct === 'string' && direct) return direct;
  const instance: unknown = 'instance' in args ? args.instance : undefined;
  const host: unknown = instance !== null && typeof instance === 'object' && 'host' in instance ? instance.host : undefined;
  if (typeof host !== 'string' || !host) throw new Error(`${method}: no compute host to send it to`);
  return host;
}

/** Client stubs for nova-compute's host methods, each to `compute.<host>`. */
export function computeHostRpcApi(transport: Transport, timeoutMs: number): ComputeHostAPI {
  const client = new RpcClient(transport, { topic: COMPUTE_TOPIC, version: COMPUTE_HOST_RPC_VERSION, timeoutMs });
  return rpcStubs<ComputeHostAPI>(COMPUTE_HOST_METHODS, (method, args) => client.prepare({ server: hostOf(method, args) }));
}
