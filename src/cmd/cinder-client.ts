/**
 * The volume service client wired from `[cinder]`: the caller's token for
 * the caller's requests, the `[cinder]` user's for nova's own (Keystone),
 * or noauth2's tokens; the endpoint from `endpoint_template` or the
 * catalog's `catalog_info` entry in `os_region_name`. Undefined (no volume
 * service: the volume APIs answer as for volumes that do not exist) under
 * noauth2 without `endpoint_template`, and under Keystone when `[cinder]`
 * has neither a password nor an `endpoint_template`.
 */
import { CinderClient } from '../clients/cinder.ts';
import { KeystoneClient } from '../clients/keystone-client.ts';
import { catalogResolver, catalogUrl } from '../clients/neutron.ts';
import { KeystoneTokens, NoAuthTokenProvider } from '../clients/tokens.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';

/** catalog_info's <service_type>:<service_name>:<interface> (publicURL → public). */
export function parseCatalogInfo(info: string): { type: string; name: string; iface: string } {
  const [type = 'volumev3', name = '', endpoint = 'publicURL'] = info.split(':');
  return { type, name, iface: endpoint.replace(/URL$/, '') };
}

export function cinderFromConfig(conf: NovaConfig, log: Logger): CinderClient | undefined {
  const c = conf.cinder;
  const common = {
    retries: c.http_retries,
    timeoutMs: c.timeout * 1000,
    ...(c.debug ? { debug: (line: string) => log.debug({ service: 'volume' }, line) } : {}),
  };
  const template = c.endpoint_template;
  if (conf.api.auth_strategy !== 'keystone') {
    if (!template) return undefined;
    return new CinderClient({ ...common, endpoint: async () => template, userTokens: new NoAuthTokenProvider({ actAsCaller: true }), adminTokens: new NoAuthTokenProvider() });
  }
  if (!c.password && !template) {
    log.info('no [cinder] password or endpoint_template: no volume service');
    return undefined;
  }
  const admin = new KeystoneClient({
    authUrl: c.auth_url,
    username: c.username,
    password: c.password,
    projectName: c.project_name,
    userDomainName: c.user_domain_name,
    projectDomainName: c.project_domain_name,
    log,
  });
  const info = parseCatalogInfo(c.catalog_info);
  const endpoint = template
    ? async () => template
    : catalogResolver(
        c.auth_url,
        () => admin.serviceToken(),
        (cat) => catalogUrl(cat, info.type, c.os_region_name, [info.iface]),
      );
  return new CinderClient({ ...common, endpoint, userTokens: new KeystoneTokens(admin, true), adminTokens: new KeystoneTokens(admin, false) });
}
