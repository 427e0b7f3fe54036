import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { COMPUTE_METHODS, COMPUTE_RPC_VERSION, COMPUTE_TOPIC, type ComputeAPI } from './rpc-types.ts';

/** The compute host a message is for: `args.host` (a move's other end), else its instance's host. */
function hostOf(method: string, args: object): string {
  if ('host' in args && typeof args.host === 'string' && args.host) return args.host;
  const instance: unknown = 'instance' in args ? args.instance : undefined;
  const host: unknown = instance !== null && typeof instance === 'object' && 'host' in instance ? instance.host : undefined;
  if (typeof host !== 'string' || !host) throw new Error(`${method}: the instance has no host`);
  return host;
}

/** Client stubs for nova-compute; each message goes to `compute.<host>` (see hostOf). */
export function computeRpcApi(transport: Transport, timeoutMs: number): ComputeAPI {
  const client = new RpcClient(transport, { topic: COMPUTE_TOPIC, version: COMPUTE_RPC_VERSION, timeoutMs });
  return rpcStubs<ComputeAPI>(COMPUTE_METHODS, (method, args) => client.prepare({ server: hostOf(method, args) }));
}
