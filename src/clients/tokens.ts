/**
 * The X-Auth-Token of the requests a service makes to another: the
 * caller's own (acting for the caller, so the other service applies the
 * caller's rights) or the service's own.
 */
import type { RequestContext } from '../context.ts';

/** Supplies the X-Auth-Token of outgoing requests. */
export interface TokenProvider {
  /** A token for a request made on behalf of `ctx` (the request being served); a provider may ignore `ctx`. */
  token(ctx?: RequestContext): Promise<string>;
}

/** The token noauth2 setups use for nova's own requests ("admin" in the user name: sees everything). */
export const NOAUTH_SERVICE_TOKEN = 'nova-admin:service';

/**
 * Tokens for services behind noauth2 (`user:project` tokens): a fixed
 * service token, or with `actAsCaller` the caller's `<user>:<project>`.
 */
export class NoAuthTokenProvider implements TokenProvider {
  constructor(private readonly opts: { token?: string; actAsCaller?: boolean } = {}) {}

  async token(ctx?: RequestContext): Promise<string> {
    if (this.opts.actAsCaller && ctx?.user_id) return `${ctx.user_id}:${ctx.project_id ?? ctx.user_id}`;
    return this.opts.token ?? NOAUTH_SERVICE_TOKEN;
  }
}

/** Where a Keystone service token comes from (the service user's login). */
export interface ServiceTokenSource {
  serviceToken(): Promise<string>;
}

/** Tokens under Keystone: the caller's own when acting for the caller and it has one, else the service's. */
export class KeystoneTokens implements TokenProvider {
  constructor(
    private readonly source: ServiceTokenSource,
    private readonly actAsCaller: boolean,
  ) {}

  async token(ctx?: RequestContext): Promise<string> {
    if (this.actAsCaller && ctx?.auth_token) return ctx.auth_token;
    return this.source.serviceToken();
  }
}
