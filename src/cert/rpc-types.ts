import type { RequestContext } from '../context.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';
import type { IssuedCertificate } from './ca.ts';

/** The RPC topic nova-cert serves. */
export const CERT_TOPIC = 'cert';
/** Nova's cert RPC API was at 2.0 when it was removed. */
export const CERT_RPC_VERSION = '2.0';

/** The methods nova-cert serves on the `cert` topic. */
export interface CertAPI {
  /** The root CA certificate, PEM (`project_id` is accepted for Nova's per-project CAs, which are not used). */
  fetch_ca(ctx: RequestContext, args: { project_id: string | null }): Promise<string>;
  /** A new private key and a certificate signed by the CA with CN=<project>-<user>-<timestamp>. */
  generate_x509_cert(ctx: RequestContext, args: { user_id: string; project_id: string }): Promise<IssuedCertificate>;
}

/** The methods served over RPC, and how each is sent. */
export const CERT_METHODS = {
  fetch_ca: 'call',
  generate_x509_cert: 'call',
} as const satisfies RpcKinds<CertAPI>;

/** The arguments of one method. */
export type CertArgs<K extends keyof CertAPI> = ArgsOf<CertAPI, K>;
