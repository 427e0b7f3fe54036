/**
 * The network service of a deployment that has none (no `[neutron]`
 * configured, or no network endpoint in the catalog), as the client sees
 * it: no network, port, security group or floating IP exists, so lists are
 * empty and lookups answer the resource's NotFound; nothing can be created.
 * The Compute API's network proxies and os-interface then answer as Nova
 * does for resources that are not there, never a 5xx.
 */
import type { RequestContext } from '../context.ts';
import { NeutronClientError } from '../exception/network.ts';
import { NeutronClient, neutronErrorToNova } from './neutron.ts';
import { NoAuthTokenProvider } from './tokens.ts';

/** Neutron's NotFound type per collection path. */
const NOT_FOUND: Readonly<Record<string, string>> = {
  networks: 'NetworkNotFound',
  subnets: 'SubnetNotFound',
  ports: 'PortNotFound',
  'security-groups': 'SecurityGroupNotFound',
  'security-group-rules': 'SecurityGroupRuleNotFound',
  floatingips: 'FloatingIPNotFound',
};

export class AbsentNetworkService extends NeutronClient {
  constructor() {
    super({ endpoint: async () => null, userTokens: new NoAuthTokenProvider({ actAsCaller: true }), adminTokens: new NoAuthTokenProvider(), retries: 0, timeoutMs: 0 });
  }

  override async available(): Promise<boolean> {
    return false;
  }

  override async request(_ctx: RequestContext | undefined, method: string, path: string, opts: { body?: unknown; admin?: boolean; id?: string } = {}): Promise<unknown> {
    const [collection = '', item] = path.split('?')[0]?.replace(/^\//, '').split('/') ?? [];
    if (method === 'GET' && item === undefined) return {};
    if (method !== 'POST' && item !== undefined) {
      const type = NOT_FOUND[collection] ?? 'NotFound';
      throw neutronErrorToNova(404, type, `${type.replace(/NotFound$/, '')} ${decodeURIComponent(item)} could not be found.`, opts.id);
    }
    throw new NeutronClientError('There is no network service: nova is not configured with one ([neutron]).', { status_code: 400, type: 'NoNetworkService' });
  }
}

/** The one absent service (it holds no state). */
export const ABSENT_NETWORK_SERVICE = new AbsentNetworkService();
