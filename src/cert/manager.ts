import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { CertError, CryptoCAFileNotFound } from '../exception/console.ts';
import type { Logger } from '../log.ts';
import { type Endpoint, methodsOf } from '../rpc/server.ts';
import type { Manager } from '../service/manager.ts';
import { CertificateAuthority, caPaths, type IssuedCertificate } from './ca.ts';
import { CERT_METHODS, CERT_RPC_VERSION, type CertAPI, type CertArgs } from './rpc-types.ts';

/**
 * nova-cert (nova.cert.manager.CertManager): owns the CA under
 * `$state_path/CA/`, creating it on first start, hands out the root
 * certificate and signs new user certificates.
 */
export class CertManager implements CertAPI, Manager {
  readonly endpoints: readonly Endpoint[];
  private ca: CertificateAuthority | null = null;

  constructor(private readonly deps: { conf: NovaConfig; log: Logger }) {
    this.endpoints = [{ version: CERT_RPC_VERSION, methods: methodsOf<CertAPI>(this, CERT_METHODS) }];
  }

  async initHost(): Promise<void> {
    const statePath = this.deps.conf.DEFAULT.state_path;
    this.ca = await CertificateAuthority.open(statePath);
    this.deps.log.info({ ca: caPaths(statePath).cert }, 'certificate authority ready');
  }

  private authority(): CertificateAuthority {
    if (!this.ca) throw new CryptoCAFileNotFound('The CA file could not be found: nova-cert has not loaded its CA.');
    return this.ca;
  }

  async fetch_ca(_ctx: RequestContext, _args: CertArgs<'fetch_ca'>): Promise<string> {
    return this.authority().rootPem;
  }

  async generate_x509_cert(_ctx: RequestContext, args: CertArgs<'generate_x509_cert'>): Promise<IssuedCertificate> {
    if (typeof args.user_id !== 'string' || typeof args.project_id !== 'string') throw new CertError('generate_x509_cert needs user_id and project_id');
    const issued = await this.authority().issue(args.user_id, args.project_id);
    this.deps.log.info({ user_id: args.user_id, project_id: args.project_id }, 'x509 certificate issued');
    return issued;
  }
}
