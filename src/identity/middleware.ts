/**
 * Token validation for the other services (keystonemiddleware's auth_token):
 * the service authenticates as its own user ([keystone_authtoken]), then
 * validates each caller's X-Auth-Token with GET /v3/auth/tokens?nocatalog
 * and turns the answer into a RequestContext. Validations (valid or not) are
 * cached for token_cache_time seconds, so a revocation takes effect at most
 * that late.
 */
import { createHash } from 'node:crypto';
import { type Authenticator, NoAuth2, Unauthorized } from '../api/auth.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import { AUTH_REQUIRED } from './errors.ts';

/** The identity service could not be asked (down, or the service user cannot authenticate): 503. */
export class IdentityUnavailable extends NovaError {
  override readonly status = 503;
}

/** Options of {@link KeystoneAuthenticator} (from [keystone_authtoken] by {@link authenticatorFromConfig}). */
export interface KeystoneAuthOptions {
  /** The identity service, with or without /v3. */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName: string;
  projectDomainName: string;
  /** Seconds a validation is cached; 0: none. */
  cacheTimeSec: number;
  /** For WWW-Authenticate; default authUrl. */
  wwwAuthenticateUri?: string | null;
  timeoutMs?: number;
  log?: Logger;
  /** The HTTP client (tests); default the global fetch. */
  fetch?: typeof fetch;
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;
type Identity = Pick<RequestContext, 'user_id' | 'project_id' | 'roles' | 'is_admin'>;
interface CacheEntry {
  identity: Identity | null;
  until: number;
}
interface TokenBody {
  token?: { expires_at?: string; issued_at?: string; user?: { id?: string }; project?: { id?: string }; roles?: { name?: string }[] };
}

const MAX_CACHE = 10_000;

function header(h: Headers, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Validates tokens against the identity service. */
export class KeystoneAuthenticator implements Authenticator {
  private readonly base: string;
  private readonly http: typeof fetch;
  private service: { id: string; refreshAt: number } | null = null;
  private authenticating: Promise<string> | null = null;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(private readonly opts: KeystoneAuthOptions) {
    this.base = opts.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.http = opts.fetch ?? fetch;
  }

  /** The X-Auth-Token's identity as a RequestContext; Unauthorized (401) for a missing, invalid, expired or revoked token. */
  async authenticate(headers: Headers, requestId: string): Promise<RequestContext> {
    const token = header(headers, 'x-auth-token');
    if (!token) throw this.unauthorized();
    const key = createHash('sha256').update(token).digest('hex');
    let entry = this.cache.get(key);
    if (!entry || entry.until <= Date.now()) {
      let pending = this.inflight.get(key);
      if (!pending) {
        pending = this.validate(token).finally(() => this.inflight.delete(key));
        this.inflight.set(key, pending);
      }
      entry = await pending;
      this.remember(key, entry);
    }
    if (!entry.identity) throw this.unauthorized();
    return { request_id: requestId, global_request_id: header(headers, 'x-openstack-request-id') ?? null, ...entry.identity, auth_token: token };
  }

  private unauthorized(): Unauthorized {
    return new Unauthorized(AUTH_REQUIRED, { www_authenticate: `Keystone uri="${this.opts.wwwAuthenticateUri ?? this.base}"` });
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

  private async request(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
    try {
      return await this.http(`${this.base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
    } catch (e) {
      this.opts.log?.error({ url: `${this.base}${path}`, err: (e as Error).message }, 'identity service unreachable');
      throw new IdentityUnavailable('The identity service is unavailable.');
    }
  }

  /** The service user's token, re-authenticating when it nears expiry (concurrent callers share one request). */
  async serviceToken(): Promise<string> {
    if (this.service && this.service.refreshAt > Date.now()) return this.service.id;
    this.authenticating ??= this.login().finally(() => {
      this.authenticating = null;
    });
    return this.authenticating;
  }

  private async login(): Promise<string> {
    const o = this.opts;
    const body = {
      auth: {
        identity: { methods: ['password'], password: { user: { name: o.username, password: o.password, domain: { name: o.userDomainName } } } },
        scope: { project: { name: o.projectName, domain: { name: o.projectDomainName } } },
      },
    };
    const res = await this.request('POST', '/v3/auth/tokens?nocatalog', {}, body);
    const id = res.headers.get('x-subject-token');
    const data = (await res.json().catch(() => ({}))) as TokenBody;
    if (res.status !== 201 || !id) {
      o.log?.error({ status: res.status, username: o.username, auth_url: this.base }, 'the service user could not authenticate ([keystone_authtoken])');
      throw new IdentityUnavailable('The identity service is unavailable.');
    }
    const issued = Date.parse(data.token?.issued_at ?? '') || Date.now();
    const expires = Date.parse(data.token?.expires_at ?? '') || Date.now();
    // Renew when less than a minute (or half the token's lifetime, if shorter) is left.
    this.service = { id, refreshAt: expires - Math.min(60_000, (expires - issued) / 2) };
    return id;
  }

  private async validate(token: string): Promise<CacheEntry> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.request('GET', '/v3/auth/tokens?nocatalog', { 'x-auth-token': await this.serviceToken(), 'x-subject-token': token });
      if (res.status === 401 && attempt === 0) {
        // Our own token was revoked or expired early: authenticate again once.
        await res.body?.cancel();
        this.service = null;
        continue;
      }
      if (res.status === 200) return this.entry((await res.json()) as TokenBody);
      await res.body?.cancel();
      if (res.status === 404) return { identity: null, until: Date.now() + this.opts.cacheTimeSec * 1000 };
      this.opts.log?.error({ status: res.status }, 'token validation failed at the identity service');
      throw new IdentityUnavailable('The identity service is unavailable.');
    }
  }

  private entry(body: TokenBody): CacheEntry {
    const t = body.token;
    const expires = Date.parse(t?.expires_at ?? '') || 0;
    if (!t?.user?.id || expires <= Date.now()) return { identity: null, until: Date.now() + this.opts.cacheTimeSec * 1000 };
    const roles = (t.roles ?? []).flatMap((r) => (typeof r.name === 'string' ? [r.name] : []));
    const identity: Identity = { user_id: t.user.id, project_id: t.project?.id ?? null, roles, is_admin: roles.includes('admin') };
    return { identity, until: Math.min(Date.now() + this.opts.cacheTimeSec * 1000, expires) };
  }
}

/** A Keystone authenticator for the service user of `[keystone_authtoken]` (also the source of nova's own service token). */
export function keystoneAuthenticatorFromConfig(conf: NovaConfig, log?: Logger): KeystoneAuthenticator {
  const k = conf.keystone_authtoken;
  return new KeystoneAuthenticator({
    authUrl: k.auth_url,
    username: k.username,
    password: k.password,
    projectName: k.project_name,
    userDomainName: k.user_domain_name,
    projectDomainName: k.project_domain_name,
    cacheTimeSec: k.token_cache_time,
    wwwAuthenticateUri: k.www_authenticate_uri,
    log,
  });
}

/** The authenticator `[api] auth_strategy` asks for: NoAuth2, or Keystone validation with `[keystone_authtoken]`. */
export function authenticatorFromConfig(conf: NovaConfig, log?: Logger): Authenticator {
  return conf.api.auth_strategy === 'keystone' ? keystoneAuthenticatorFromConfig(conf, log) : new NoAuth2();
}
