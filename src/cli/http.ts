import { type ApiVersion, formatVersion, negotiatedVersion } from './apiversion.ts';
import type { Auth } from './auth.ts';
import { connectionError, errorFromResponse } from './errors.ts';
import type { Json } from './format.ts';

/** Query parameters; undefined values are left out, arrays repeat the key. */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

/** Options of one request. */
export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Send this microversion instead of the session's (a command that needs an older one). */
  version?: ApiVersion;
}

/** How the client is set up. */
export interface ClientOptions {
  /** A fixed microversion (`--os-compute-api-version X.Y`), or null to negotiate the newest common one. */
  version: ApiVersion | null;
  /** Seconds before a request is abandoned (0: never). */
  timeoutSeconds?: number;
  /** Print each request and response on this stream (`--debug`). */
  debug?: NodeJS.WritableStream | null;
}

/** Join a base URL and a path with a query string. */
export function buildUrl(base: string, path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v) params.append(k, String(x));
    else params.append(k, String(v));
  }
  const qs = params.toString();
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}${qs ? `?${qs}` : ''}`;
}

/** The version document's URL for a compute endpoint (drops a legacy `/{project_id}` after `/v2.1`). */
export function versionUrl(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/(\/v2(?:\.\d+)?)\/.*$/, '$1');
}

/**
 * A small REST client for the Compute API: authentication headers from an
 * {@link Auth}, both microversion headers on every request, JSON bodies, and
 * Nova's fault bodies turned into {@link ApiError}s (novaclient's messages).
 */
export class ComputeClient {
  private negotiated: Promise<ApiVersion> | null = null;

  constructor(
    private readonly auth: Auth,
    private readonly opts: ClientOptions,
  ) {}

  /** Was the microversion fixed by the user (rather than negotiated)? */
  get versionPinned(): boolean {
    return this.opts.version !== null;
  }

  /** The microversion in use: the fixed one, or min(server maximum, client maximum) from GET /v2.1. */
  apiVersion(): Promise<ApiVersion> {
    if (this.opts.version) return Promise.resolve(this.opts.version);
    this.negotiated ??= (async () => {
      const url = versionUrl(await this.auth.endpoint());
      const doc = (await this.send('GET', url, undefined, { Accept: 'application/json', ...(await this.auth.headers()) })) as { version?: Json } | undefined;
      const v = doc?.version ?? {};
      return negotiatedVersion(typeof v.min_version === 'string' ? v.min_version : undefined, typeof v.version === 'string' ? v.version : undefined);
    })();
    return this.negotiated;
  }

  /** Send a request under the compute endpoint; returns the parsed JSON body (undefined when empty). */
  async request<T = Json>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const version = formatVersion(o.version ?? (await this.apiVersion()));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'python-novaclient (nova-ts)',
      'OpenStack-API-Version': `compute ${version}`,
      'X-OpenStack-Nova-API-Version': version,
      ...(await this.auth.headers()),
    };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    return (await this.send(method, buildUrl(await this.auth.endpoint(), path, o.query), o.body, headers)) as T;
  }

  /** GET, returning the JSON body. */
  get<T = Json>(path: string, query?: Query, version?: ApiVersion): Promise<T> {
    return this.request<T>('GET', path, { query, version });
  }

  /** POST a JSON body. */
  post<T = Json>(path: string, body: unknown, version?: ApiVersion): Promise<T> {
    return this.request<T>('POST', path, { body, version });
  }

  /** GET on another service of the catalog (e.g. `image`) with this session's token; null when the catalog has no such service. */
  async serviceGet<T = Json>(type: string, path: string): Promise<T | null> {
    const base = (await this.auth.serviceEndpoint?.(type)) ?? null;
    if (!base) return null;
    const headers = { Accept: 'application/json', 'User-Agent': 'python-novaclient (nova-ts)', ...(await this.auth.headers()) };
    return (await this.send('GET', `${base.replace(/\/+$/, '')}${path}`, undefined, headers)) as T;
  }

  /** DELETE. */
  async delete(path: string): Promise<void> {
    await this.request('DELETE', path);
  }

  private async send(method: string, url: string, body: unknown, headers: Record<string, string>): Promise<unknown> {
    const timeout = this.opts.timeoutSeconds ?? 0;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    this.debugRequest(method, url, headers, payload);
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: payload, signal: timeout > 0 ? AbortSignal.timeout(timeout * 1000) : undefined });
    } catch (e) {
      throw connectionError(url, e);
    }
    const text = await res.text().catch(() => '');
    this.debugResponse(res, text);
    if (!res.ok) throw errorFromResponse(res.status, res.headers, text);
    if (!text.trim()) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }

  private debugRequest(method: string, url: string, headers: Record<string, string>, body: string | undefined): void {
    if (!this.opts.debug) return;
    const shown = Object.entries(headers)
      .map(([k, v]) => ` -H "${k}: ${/token/i.test(k) ? '{SHA256}…' : v}"`)
      .join('');
    this.opts.debug.write(`REQ: curl -g -i -X ${method} ${url}${shown}${body ? ` -d '${body}'` : ''}\n`);
  }

  private debugResponse(res: Response, text: string): void {
    if (!this.opts.debug) return;
    const headers = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join(', ');
    this.opts.debug.write(`RESP: [${res.status}] ${headers}\nRESP BODY: ${text.slice(0, 4096)}\n`);
  }
}
