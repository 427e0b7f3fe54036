import { CliError, CommandError, connectionError, errorFromResponse } from './errors.ts';

/**
 * Where the Compute API is and how to authenticate to it. The commands only
 * see this interface, so the way of authenticating can change under them.
 */
export interface Auth {
  /** The compute endpoint, e.g. `http://controller:8774/v2.1`. */
  endpoint(): Promise<string>;
  /** Headers that authenticate a request (`X-Auth-Token`). */
  headers(): Promise<Record<string, string>>;
  /** Another service's endpoint from the catalog (e.g. `image`), or null when there is none to ask. */
  serviceEndpoint?(type: string): Promise<string | null>;
}

/**
 * A fixed token and endpoint: Nova's noauth2 (`user:project`, a user name
 * containing "admin" is an administrator) or any token obtained beforehand.
 */
export class NoAuth implements Auth {
  constructor(
    private readonly token: string,
    private readonly url: string,
  ) {}

  async endpoint(): Promise<string> {
    return this.url.replace(/\/+$/, '');
  }

  async headers(): Promise<Record<string, string>> {
    return { 'X-Auth-Token': this.token };
  }
}

/** Keystone v3 password credentials (the OS_* variables). */
export interface KeystoneCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  regionName?: string;
  /** Which catalog endpoint to use: public (default), internal or admin. */
  interface?: string;
  /** Use this compute endpoint instead of the catalog's. */
  endpointOverride?: string;
}

interface CatalogEntry {
  type?: string;
  endpoints?: { interface?: string; region?: string; region_id?: string; url?: string }[];
}

/** The v3 tokens URL for an auth URL given with or without `/v3`. */
export function tokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
}

/** The endpoint of a service type in a v3 catalog for an interface and (optionally) a region; null when there is none. */
export function catalogEndpoint(catalog: readonly CatalogEntry[], type: string, iface = 'public', region?: string): string | null {
  const want = iface.replace(/URL$/, '');
  for (const entry of catalog) {
    if (entry.type !== type) continue;
    const ep = (entry.endpoints ?? []).find((e) => e.interface === want && (!region || e.region === region || e.region_id === region));
    if (ep?.url) return ep.url.replace(/\/+$/, '');
  }
  return null;
}

/** The compute endpoint in a v3 catalog for an interface and (optionally) a region. */
export function computeEndpoint(catalog: readonly CatalogEntry[], iface = 'public', region?: string): string {
  const url = catalogEndpoint(catalog, 'compute', iface, region);
  if (url) return url;
  const want = iface.replace(/URL$/, '');
  throw new CliError('EndpointNotFound', `${want} endpoint for compute service${region ? ` in ${region} region` : ''} not found`);
}

/**
 * Keystone v3 password authentication: POST /v3/auth/tokens once, the token
 * from `X-Subject-Token`, the compute endpoint from the returned catalog.
 */
export class KeystonePasswordAuth implements Auth {
  private session: Promise<{ token: string; endpoint: string; catalog: CatalogEntry[] }> | null = null;

  constructor(private readonly creds: KeystoneCredentials) {}

  async endpoint(): Promise<string> {
    if (this.creds.endpointOverride) return this.creds.endpointOverride.replace(/\/+$/, '');
    return (await this.login()).endpoint;
  }

  async headers(): Promise<Record<string, string>> {
    return { 'X-Auth-Token': (await this.login()).token };
  }

  async serviceEndpoint(type: string): Promise<string | null> {
    return catalogEndpoint((await this.login()).catalog, type, this.creds.interface, this.creds.regionName);
  }

  /** The v3 password request body, scoped to the project. */
  body(): Record<string, unknown> {
    const c = this.creds;
    const domain = (id?: string, name?: string) => (id ? { id } : { name: name ?? 'Default' });
    const project = c.projectId ? { id: c.projectId } : { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) };
    return {
      auth: {
        identity: { methods: ['password'], password: { user: { name: c.username, domain: domain(c.userDomainId, c.userDomainName), password: c.password } } },
        ...(c.projectId || c.projectName ? { scope: { project } } : {}),
      },
    };
  }

  private login(): Promise<{ token: string; endpoint: string; catalog: CatalogEntry[] }> {
    this.session ??= (async () => {
      const url = tokensUrl(this.creds.authUrl);
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(this.body()) });
      } catch (e) {
        throw connectionError(url, e);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok) throw errorFromResponse(res.status, res.headers, text);
      const token = res.headers.get('x-subject-token');
      if (!token) throw new CliError('AuthorizationFailure', `${url} returned no X-Subject-Token`);
      let catalog: CatalogEntry[];
      try {
        catalog = (JSON.parse(text) as { token?: { catalog?: CatalogEntry[] } }).token?.catalog ?? [];
      } catch {
        throw new CliError('AuthorizationFailure', `${url} did not return a JSON token`);
      }
      const endpoint = this.creds.endpointOverride ?? computeEndpoint(catalog, this.creds.interface, this.creds.regionName);
      return { token, endpoint, catalog };
    })();
    return this.session;
  }
}

/** The authentication options of the command line (each defaulting to its environment variable). */
export interface AuthOptions {
  token?: string;
  endpoint?: string;
  authUrl?: string;
  username?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomainName?: string;
  userDomainId?: string;
  projectDomainName?: string;
  projectDomainId?: string;
  regionName?: string;
  interface?: string;
}

/**
 * Choose the authentication: a token (`--os-token`/OS_TOKEN) with an endpoint
 * is used as is (noauth2); otherwise OS_AUTH_URL and a user name select
 * Keystone password authentication.
 */
export function makeAuth(o: AuthOptions): Auth {
  if (o.token) {
    if (!o.endpoint) throw new CommandError('You must provide an endpoint with a token: --os-endpoint-override or env[NOVA_ENDPOINT] / env[OS_COMPUTE_URL].');
    return new NoAuth(o.token, o.endpoint);
  }
  if (o.authUrl) {
    if (!o.username) throw new CommandError('You must provide a username via either --os-username or env[OS_USERNAME]');
    if (!o.password) throw new CommandError('You must provide a password via either --os-password or env[OS_PASSWORD]');
    return new KeystonePasswordAuth({ ...o, authUrl: o.authUrl, username: o.username, password: o.password, endpointOverride: o.endpoint });
  }
  throw new CommandError(
    'You must provide credentials: a token via --os-token or env[OS_TOKEN] with an endpoint via --os-endpoint-override or env[NOVA_ENDPOINT], or an auth URL via --os-auth-url or env[OS_AUTH_URL].',
  );
}
