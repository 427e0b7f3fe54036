import { rpcStubs } from '../rpc/api.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import { CERT_METHODS, CERT_RPC_VERSION, CERT_TOPIC, type CertAPI } from './rpc-types.ts';

/** Client stubs for nova-cert: each method is one call or cast on the `cert` topic. */
export function certRpcApi(transport: Transport, timeoutMs: number): CertAPI {
  const client = new RpcClient(transport, { topic: CERT_TOPIC, version: CERT_RPC_VERSION, timeoutMs });
  return rpcStubs<CertAPI>(CERT_METHODS, () => client);
}
