/**
 * The identity service as a client sees it (keystoneauth's password plugin
 * plus the token validation keystonemiddleware does): a service user logs
 * in once and renews its token before it expires; other tokens are
 * validated with GET /v3/auth/tokens.
 */
import { NovaError, registerErrors } from '../exception/base.ts';
import type { Logger } from '../log.ts';

/** The identity service could not be asked (down, or the service user cannot authenticate): 503. */
export class IdentityUnavailable extends NovaError {
  override readonly status = 503;
}
registerErrors(IdentityUnavailable);

/** Who the service user is, and where the identity service is. */
export interface KeystoneClientOptions {
  /** The identity service, with or without /v3. */
  readonly authUrl: string;
  readonly username: string;
  readonly password: string;
  readonly projectName: string;
  readonly userDomainName: string;
  readonly projectDomainName: string;
  /** Milliseconds per request; default 10 s. */
  readonly timeoutMs?: number;
  readonly log?: Logger;
  /** The HTTP client (tests); default the global fetch. */
  readonly fetch?: typeof fetch;
}

/** What a valid token says about its holder. */
export interface TokenIdentity {
  readonly user_id: string;
  readonly project_id: string | null;
  readonly roles: readonly string[];
  /** Epoch milliseconds. */
  readonly expiresAt: number;
}

interface TokenBody {
  token?: { expires_at?: string; issued_at?: string; user?: { id?: string }; project?: { id?: string }; roles?: { name?: string }[] };
}

function isTokenBody(v: unknown): v is TokenBody {
  return typeof v === 'object' && v !== null;
}

async function bodyOf(res: Response): Promise<TokenBody> {
  const v: unknown = await res.json().catch(() => ({}));
  return isTokenBody(v) ? v : {};
}

/** A client of the identity service for one service user. */
export class KeystoneClient {
  /** The unversioned base URL, e.g. http://10.0.0.5:5000. */
  readonly base: string;
  private readonly http: typeof fetch;
  private service: { id: string; refreshAt: number } | null = null;
  private authenticating: Promise<string> | null = null;

  constructor(private readonly opts: KeystoneClientOptions) {
    this.base = opts.authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.http = opts.fetch ?? fetch;
  }

  private unavailable(): IdentityUnavailable {
    return new IdentityUnavailable('The identity service is unavailable.');
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
      this.opts.log?.error({ url: `${this.base}${path}`, err: e instanceof Error ? e.message : String(e) }, 'identity service unreachable');
      throw this.unavailable();
    }
  }

  /** The service user's token, renewed when it nears expiry (concurrent callers share one login). */
  async serviceToken(): Promise<string> {
    if (this.service && this.service.refreshAt > Date.now()) return this.service.id;
    this.authenticating ??= this.login().finally(() => {
      this.authenticating = null;
    });
    return this.authenticating;
  }

  /** Forget the service token (the identity service refused it). */
  dropServiceToken(): void {
    this.service = null;
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
    const data = await bodyOf(res);
    if (res.status !== 201 || !id) {
      o.log?.error({ status: res.status, username: o.username, auth_url: this.base }, 'the service user could not authenticate ([keystone_authtoken])');
      throw this.unavailable();
    }
    const issued = Date.parse(data.token?.issued_at ?? '') || Date.now();
    const expires = Date.parse(data.token?.expires_at ?? '') || Date.now();
    // Renew when less than a minute (or half the token's lifetime, if shorter) is left.
    this.service = { id, refreshAt: expires - Math.min(60_000, (expires - issued) / 2) };
    return id;
  }

  /**
   * What `token` says about its holder; null when the identity service does
   * not know it (invalid, expired, revoked). IdentityUnavailable when it
   * cannot be asked.
   */
  async validate(token: string): Promise<TokenIdentity | null> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.request('GET', '/v3/auth/tokens?nocatalog', { 'x-auth-token': await this.serviceToken(), 'x-subject-token': token });
      if (res.status === 401 && attempt === 0) {
        // Our own token was revoked or expired early: log in again once.
        await res.body?.cancel();
        this.dropServiceToken();
        continue;
      }
      if (res.status === 200) return identityOf(await bodyOf(res));
      await res.body?.cancel();
      if (res.status === 404) return null;
      this.opts.log?.error({ status: res.status }, 'token validation failed at the identity service');
      throw this.unavailable();
    }
  }
}

function identityOf(body: TokenBody): TokenIdentity | null {
  const t = body.token;
  const expiresAt = Date.parse(t?.expires_at ?? '') || 0;
  if (!t?.user?.id || expiresAt <= Date.now()) return null;
  const roles = (t.roles ?? []).flatMap((r) => (typeof r.name === 'string' ? [r.name] : []));
  return { user_id: t.user.id, project_id: t.project?.id ?? null, roles, expiresAt };
}
