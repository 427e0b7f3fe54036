/**
 * The network service client nova uses (nova.network.neutron's get_client):
 * Neutron's v2.0 API as the caller (their token, their rights) or as the
 * `[neutron]` user (admin: port bindings, other projects' ports). The
 * endpoint is `[neutron] endpoint_override` or the catalog's. Neutron's
 * refusals become nova's exceptions (NetworkNotFound, PortNotFound,
 * PortInUse, PortLimitExceeded, NoMoreFixedIps, …).
 */
import type { RequestContext } from '../context.ts';
import type { NovaError } from '../exception/base.ts';
import {
  FixedIpAlreadyInUse,
  FloatingIpNotFound,
  NetworkNotFound,
  NeutronClientError,
  NeutronConnectionFailed,
  NoMoreFixedIps,
  PortInUse,
  PortLimitExceeded,
  PortNotFound,
  SecurityGroupNotFound,
} from '../exception/network.ts';
import { Endpoints, requestHeaders, Unreachable } from './endpoints.ts';
import type { TokenProvider } from './tokens.ts';

const USER_AGENT = 'nova-ts-network-client';

/** A fixed IP of a port. */
export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

/** A port as GET /v2.0/ports/{id} shows it (the attributes nova reads; the rest as extra keys). */
export interface NeutronPort {
  id: string;
  name: string;
  network_id: string;
  tenant_id: string;
  project_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  device_id: string;
  device_owner: string;
  status: string;
  admin_state_up: boolean;
  security_groups: string[];
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
  'binding:vnic_type'?: string;
  [attr: string]: unknown;
}

export interface NeutronNetwork {
  id: string;
  name: string;
  tenant_id: string;
  project_id: string;
  shared: boolean;
  status: string;
  subnets: string[];
  mtu?: number;
  'router:external'?: boolean;
  [attr: string]: unknown;
}

export interface NeutronSubnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
  gateway_ip: string | null;
  enable_dhcp: boolean;
  dns_nameservers: string[];
  [attr: string]: unknown;
}

export interface NeutronSecurityGroupRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  [attr: string]: unknown;
}

export interface NeutronSecurityGroup {
  id: string;
  name: string;
  description: string;
  tenant_id: string;
  project_id: string;
  security_group_rules: NeutronSecurityGroupRule[];
  [attr: string]: unknown;
}

export interface NeutronFloatingIp {
  id: string;
  floating_ip_address: string;
  floating_network_id: string;
  port_id: string | null;
  fixed_ip_address: string | null;
  tenant_id: string;
  project_id: string;
  status: string;
  router_id: string | null;
  [attr: string]: unknown;
}

/** The resources nova reads and writes, by collection: their singular name and type. */
interface Resources {
  networks: NeutronNetwork;
  subnets: NeutronSubnet;
  ports: NeutronPort;
  security_groups: NeutronSecurityGroup;
  security_group_rules: NeutronSecurityGroupRule;
  floatingips: NeutronFloatingIp;
}
type Collection = keyof Resources;
/** URL path of each collection (Neutron's are hyphenated where the JSON keys have underscores). */
const PATH: Record<Collection, string> = {
  networks: 'networks',
  subnets: 'subnets',
  ports: 'ports',
  security_groups: 'security-groups',
  security_group_rules: 'security-group-rules',
  floatingips: 'floatingips',
};
const SINGULAR: Record<Collection, string> = {
  networks: 'network',
  subnets: 'subnet',
  ports: 'port',
  security_groups: 'security_group',
  security_group_rules: 'security_group_rule',
  floatingips: 'floatingip',
};

/** Query values: repeated keys from arrays (Neutron's `?id=a&id=b`). */
export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

function queryString(q: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const x of v) p.append(k, String(x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Where the network service is: a fixed URL, or looked up (the catalog) and remembered once found. */
export type EndpointResolver = () => Promise<string | null>;

export interface NeutronClientOptions {
  /** The network endpoint (or null: there is no network service). */
  readonly endpoint: EndpointResolver;
  /** The caller's token (acting for the caller). */
  readonly userTokens: TokenProvider;
  /** The [neutron] user's token (admin requests). */
  readonly adminTokens: TokenProvider;
  readonly retries: number;
  readonly timeoutMs: number;
}

interface ErrorBody {
  NeutronError?: { type?: string; message?: string };
}

/** nova's exception for a Neutron refusal (type and message of its NeutronError). */
export function neutronErrorToNova(status: number, type: string, message: string, id: string | undefined): NovaError {
  const kw = { status_code: status, type };
  switch (type) {
    case 'NetworkNotFound':
      return id ? NetworkNotFound.of(id) : new NetworkNotFound(message, kw);
    case 'PortNotFound':
      return id ? PortNotFound.of(id) : new PortNotFound(message, kw);
    case 'PortInUse':
      return id ? PortInUse.of(id) : new PortInUse(message, kw);
    case 'SecurityGroupNotFound':
      return id ? SecurityGroupNotFound.of(id) : new SecurityGroupNotFound(message, kw);
    case 'FloatingIPNotFound':
      return new FloatingIpNotFound(message, kw);
    case 'OverQuota':
      return message.includes("'port'") ? new PortLimitExceeded() : new NeutronClientError(message, kw);
    case 'IpAddressGenerationFailure':
      return new NoMoreFixedIps(message, kw);
    case 'IpAddressAlreadyAllocated':
    case 'IpAddressInUse':
      return new FixedIpAlreadyInUse(message, kw);
    default:
      return new NeutronClientError(message || `The network service answered ${status}`, kw);
  }
}

/** Neutron's v2.0 API for nova. */
export class NeutronClient {
  private http: Endpoints | null = null;
  private base: string | null = null;

  constructor(private readonly opts: NeutronClientOptions) {}

  /** Is there a network service (an endpoint configured or in the catalog)? */
  async available(): Promise<boolean> {
    return (await this.opts.endpoint()) !== null;
  }

  private async endpoints(): Promise<Endpoints> {
    const url = await this.opts.endpoint();
    if (url === null) throw new NeutronConnectionFailed('There is no network service (no [neutron] endpoint_override and no network endpoint in the catalog).');
    if (!this.http || this.base !== url) {
      this.http = new Endpoints({ servers: [url], retries: this.opts.retries, timeoutMs: this.opts.timeoutMs }, /\/v2\.0$/, '[neutron] endpoint_override');
      this.base = url;
    }
    return this.http;
  }

  /** One request; the parsed body (null for 204). `admin`: as the [neutron] user. */
  async request(ctx: RequestContext | undefined, method: string, path: string, opts: { body?: unknown; admin?: boolean; id?: string } = {}): Promise<unknown> {
    const http = await this.endpoints();
    const token = await (opts.admin ? this.opts.adminTokens : this.opts.userTokens).token(ctx);
    const headers = requestHeaders(token, ctx, USER_AGENT);
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    // Only reads are retried: a write may have been applied before the connection broke.
    const retriable = method === 'GET';
    const attempt = async () => {
      const a = await http.request(`/v2.0${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      let text: string;
      try {
        text = await a.res.text();
      } catch (e) {
        throw new Unreachable(`reading the answer: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        a.done();
      }
      const status = a.res.status;
      let parsed: unknown = null;
      if (text) {
        try {
          parsed = JSON.parse(text);
        } catch {
          if (status < 400) throw new NeutronClientError(`malformed answer of the network service for ${method} ${path}`);
        }
      }
      if (status >= 400) {
        const err = (parsed as ErrorBody | null)?.NeutronError;
        throw neutronErrorToNova(status, err?.type ?? '', err?.message ?? text.slice(0, 200), opts.id);
      }
      return parsed;
    };
    if (!retriable) {
      try {
        return await attempt();
      } catch (e) {
        if (e instanceof Unreachable) throw new NeutronConnectionFailed(`Connection to neutron failed: ${e.message}`);
        throw e;
      }
    }
    return http.withRetries(
      `${method} ${path}`,
      attempt,
      () => false,
      (m) => new NeutronConnectionFailed(`Connection to neutron failed: ${m}`),
    );
  }

  /** GET /v2.0/<collection> with filters. */
  async list<C extends Collection>(ctx: RequestContext | undefined, collection: C, query: Query = {}, admin = false): Promise<Resources[C][]> {
    const body = (await this.request(ctx, 'GET', `/${PATH[collection]}${queryString(query)}`, { admin })) as Record<string, unknown> | null;
    const items = body?.[collection];
    return Array.isArray(items) ? (items as Resources[C][]) : [];
  }

  /** GET /v2.0/<collection>/{id}; the collection's NotFound error when absent. */
  async show<C extends Collection>(ctx: RequestContext | undefined, collection: C, id: string, admin = false): Promise<Resources[C]> {
    const body = (await this.request(ctx, 'GET', `/${PATH[collection]}/${encodeURIComponent(id)}`, { admin, id })) as Record<string, unknown> | null;
    return body?.[SINGULAR[collection]] as Resources[C];
  }

  /** GET one as show() does, but a refusal keeps the network service's own words (what nova passes on as str(e)). */
  async showAsIs<C extends Collection>(ctx: RequestContext | undefined, collection: C, id: string): Promise<Resources[C]> {
    const body = (await this.request(ctx, 'GET', `/${PATH[collection]}/${encodeURIComponent(id)}`)) as Record<string, unknown> | null;
    return body?.[SINGULAR[collection]] as Resources[C];
  }

  async create<C extends Collection>(ctx: RequestContext | undefined, collection: C, fields: Record<string, unknown>, admin = false): Promise<Resources[C]> {
    const key = SINGULAR[collection];
    const body = (await this.request(ctx, 'POST', `/${PATH[collection]}`, { admin, body: { [key]: fields } })) as Record<string, unknown> | null;
    return body?.[key] as Resources[C];
  }

  async update<C extends Collection>(ctx: RequestContext | undefined, collection: C, id: string, fields: Record<string, unknown>, admin = false): Promise<Resources[C]> {
    const key = SINGULAR[collection];
    const body = (await this.request(ctx, 'PUT', `/${PATH[collection]}/${encodeURIComponent(id)}`, { admin, id, body: { [key]: fields } })) as Record<string, unknown> | null;
    return body?.[key] as Resources[C];
  }

  async delete(ctx: RequestContext | undefined, collection: Collection, id: string, admin = false): Promise<void> {
    await this.request(ctx, 'DELETE', `/${PATH[collection]}/${encodeURIComponent(id)}`, { admin, id });
  }

  /** The aliases of the extensions the service has (nova asks before using auto-allocated-topology and the like). */
  async extensions(ctx: RequestContext | undefined): Promise<Set<string>> {
    const body = (await this.request(ctx, 'GET', '/extensions')) as { extensions?: { alias?: string }[] } | null;
    return new Set((body?.extensions ?? []).flatMap((e) => (typeof e.alias === 'string' ? [e.alias] : [])));
  }
}

/** A catalog entry as GET /v3/auth/catalog lists it. */
interface CatalogService {
  type?: string;
  endpoints?: { interface?: string; region?: string | null; region_id?: string | null; url?: string }[];
}

/** The URL of `serviceType` in a catalog: the first of `interfaces` in `region`, or null. */
export function catalogUrl(catalog: readonly CatalogService[], serviceType: string, region: string, interfaces: readonly string[]): string | null {
  const eps = catalog.filter((s) => s.type === serviceType).flatMap((s) => s.endpoints ?? []);
  for (const iface of interfaces) {
    const e = eps.find((x) => x.interface === iface && (x.region_id ?? x.region ?? region) === region && x.url);
    if (e?.url) return e.url;
  }
  return null;
}

/**
 * An endpoint resolver from the identity service's catalog (GET
 * /v3/auth/catalog with `token()`), remembered once found; while the
 * catalog has none, asked again at most every `recheckMs`.
 */
export function catalogResolver(authUrl: string, token: () => Promise<string>, pick: (c: CatalogService[]) => string | null, recheckMs = 10_000): EndpointResolver {
  let found: string | null = null;
  let checkedAt = 0;
  const base = authUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
  return async () => {
    if (found !== null) return found;
    if (Date.now() - checkedAt < recheckMs) return null;
    const res = await fetch(`${base}/v3/auth/catalog`, { headers: { 'x-auth-token': await token(), accept: 'application/json' } }).catch((e: unknown) => {
      throw new NeutronConnectionFailed(`Cannot read the service catalog: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new NeutronConnectionFailed(`Cannot read the service catalog: HTTP ${res.status}`);
    }
    const body = (await res.json()) as { catalog?: CatalogService[] };
    checkedAt = Date.now();
    found = pick(body.catalog ?? []);
    return found;
  };
}
