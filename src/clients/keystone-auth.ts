/**
 * Token validation for the other services (keystonemiddleware's
 * auth_token): each caller's X-Auth-Token is validated with the identity
 * service and becomes a RequestContext. Validations (valid or not) are
 * cached for token_cache_time seconds, so a revocation takes effect at
 * most that late.
 */
import { createHash } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { type Authenticator, Unauthorized } from '../http/auth.ts';
import { KeystoneClient, type KeystoneClientOptions, type TokenIdentity } from './keystone-client.ts';

/** Options of {@link KeystoneAuthenticator}: the service user's client plus the cache. */
export interface KeystoneAuthOptions extends KeystoneClientOptions {
  /** Seconds a validation is cached; 0: none. */
  readonly cacheTimeSec: number;
  /** For WWW-Authenticate; default the identity service's URL. */
  readonly wwwAuthenticateUri?: string | null;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

interface CacheEntry {
  identity: TokenIdentity | null;
  until: number;
}

const MAX_CACHE = 10_000;

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** An Authenticator that asks the identity service (and is the source of the service's own token). */
export class KeystoneAuthenticator implements Authenticator {
  readonly client: KeystoneClient;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(private readonly opts: KeystoneAuthOptions) {
    this.client = new KeystoneClient(opts);
  }

  /** The X-Auth-Token's identity; Unauthorized (401) for a missing, invalid, expired or revoked token. */
  async authenticate(headers: Headers, requestId: string): Promise<RequestContext> {
    const token = header(headers, 'x-auth-token');
    if (!token) throw this.unauthorized();
    const key = createHash('sha256').update(token).digest('hex');
    let entry = this.cache.get(key);
    if (!entry || entry.until <= Date.now()) {
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.lookup(token).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      entry = await pending;
      this.remember(key, entry);
    }
    const id = entry.identity;
    if (!id) throw this.unauthorized();
    return {
      request_id: requestId,
      global_request_id: header(headers, 'x-openstack-request-id') ?? null,
      user_id: id.user_id,
      project_id: id.project_id,
      roles: id.roles,
      is_admin: id.roles.includes('admin'),
      auth_token: token,
    };
  }

  /** The service user's own token (for requests the service makes on its own behalf). */
  serviceToken(): Promise<string> {
    return this.client.serviceToken();
  }

  private unauthorized(): Unauthorized {
    return new Unauthorized(undefined, { 'www-authenticate': `Keystone uri="${this.opts.wwwAuthenticateUri ?? this.client.base}"` });
  }

  private async lookup(token: string): Promise<CacheEntry> {
    const identity = await this.client.validate(token);
    const ttl = Date.now() + this.opts.cacheTimeSec * 1000;
    return { identity, until: identity ? Math.min(ttl, identity.expiresAt) : ttl };
  }

  private remember(key: string, entry: CacheEntry): void {
    if (this.opts.cacheTimeSec <= 0) return;
    this.cache.delete(key);
    this.cache.set(key, entry);
    for (const k of this.cache.keys()) {
      if (this.cache.size <= MAX_CACHE) break;
      this.cache.delete(k);
    }
  }
}
