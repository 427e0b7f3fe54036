import type { RequestContext } from '../context.ts';
import { RpcClient } from '../rpc/client.ts';
import type { Transport } from '../rpc/transport.ts';
import type { IssuedCertificate } from './ca.ts';
import { CERT_RPC_VERSION, CERT_TOPIC, type CertAPI } from './rpc-types.ts';

/** Client stubs for nova-cert (used by nova-api's os-certificates). */
export class CertRpcApi implements CertAPI {
  private readonly client: RpcClient;

  constructor(transport: Transport, timeoutMs: number) {
    this.client = new RpcClient(transport, { topic: CERT_TOPIC, version: CERT_RPC_VERSION, timeoutMs });
  }

  fetch_ca(ctx: RequestContext, args: { project_id: string | null }): Promise<string> {
    return this.client.call(ctx, 'fetch_ca', args);
  }
  generate_x509_cert(ctx: RequestContext, args: { user_id: string; project_id: string }): Promise<IssuedCertificate> {
    return this.client.call(ctx, 'generate_x509_cert', args);
  }
}
