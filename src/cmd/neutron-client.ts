/**
 * The network service client wired from `[neutron]`: the caller's token for
 * the caller's requests, the `[neutron]` user's for admin ones (Keystone),
 * or noauth2's tokens; the endpoint from `endpoint_override` or the catalog.
 * Undefined (no network service: servers get no ports) under noauth2
 * without `endpoint_override`, and under Keystone when `[neutron]` has
 * neither a password nor an `endpoint_override` — nova was not configured
 * for a network service, so boots must not fail looking for one.
 */
import { KeystoneClient } from '../clients/keystone-client.ts';
import { catalogResolver, catalogUrl, NeutronClient } from '../clients/neutron.ts';
import { KeystoneTokens, NoAuthTokenProvider } from '../clients/tokens.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';

export function neutronFromConfig(conf: NovaConfig, log: Logger): NeutronClient | undefined {
  const n = conf.neutron;
  const common = { retries: n.http_retries, timeoutMs: n.timeout * 1000 };
  const override = n.endpoint_override;
  if (conf.api.auth_strategy !== 'keystone') {
    if (!override) return undefined;
    return new NeutronClient({
      ...common,
      endpoint: async () => override,
      userTokens: new NoAuthTokenProvider({ actAsCaller: true }),
      adminTokens: new NoAuthTokenProvider(),
    });
  }
  if (!n.password && !override) {
    log.info('no [neutron] password or endpoint_override: no network service, servers get no ports');
    return undefined;
  }
  const admin = new KeystoneClient({
    authUrl: n.auth_url,
    username: n.username,
    password: n.password,
    projectName: n.project_name,
    userDomainName: n.user_domain_name,
    projectDomainName: n.project_domain_name,
    log,
  });
  const endpoint = override
    ? async () => override
    : catalogResolver(
        n.auth_url,
        () => admin.serviceToken(),
        (c) => catalogUrl(c, n.service_type, n.region_name, n.valid_interfaces),
      );
  return new NeutronClient({ ...common, endpoint, userTokens: new KeystoneTokens(admin, true), adminTokens: new KeystoneTokens(admin, false) });
}
