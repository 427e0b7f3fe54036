/**
 * How nova-network sends nova its events, wired from `[nova]` (Neutron's
 * novaclient with the [nova] auth): POST /os-server-external-events on the
 * compute endpoint (`endpoint_override`, else the catalog's `compute`
 * endpoint of `region_name` and `endpoint_type`) with the [nova] user's
 * token, or noauth2's service token. Undefined under noauth2 without
 * `endpoint_override`: nova is not told.
 */
import { KeystoneClient } from '../clients/keystone-client.ts';
import { catalogResolver, catalogUrl } from '../clients/neutron.ts';
import { NoAuthTokenProvider } from '../clients/tokens.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';
import type { NovaEvent, SendNovaEvents } from '../network/nova-notifier.ts';

export function novaEventsFromConfig(conf: NovaConfig, log: Logger): SendNovaEvents | undefined {
  const n = conf.nova;
  const override = n.endpoint_override;
  let token: () => Promise<string>;
  let endpoint: () => Promise<string | null>;
  if (conf.api.auth_strategy !== 'keystone') {
    if (!override) return undefined;
    const noauth = new NoAuthTokenProvider();
    token = () => noauth.token();
    endpoint = async () => override;
  } else {
    const ks = new KeystoneClient({
      authUrl: n.auth_url,
      username: n.username,
      password: n.password,
      projectName: n.project_name,
      userDomainName: n.user_domain_name,
      projectDomainName: n.project_domain_name,
      log,
    });
    token = () => ks.serviceToken();
    endpoint = override ? async () => override : catalogResolver(n.auth_url, token, (c) => catalogUrl(c, 'compute', n.region_name, [n.endpoint_type]));
  }
  return async (events: readonly NovaEvent[]) => {
    const base = await endpoint();
    if (!base) throw new Error('no compute endpoint in the catalog');
    const res = await fetch(`${base.replace(/\/+$/, '')}/os-server-external-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-auth-token': await token() },
      body: JSON.stringify({ events }),
      signal: AbortSignal.timeout(n.timeout * 1000),
    });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 207) throw new Error(`nova answered ${res.status}: ${text.slice(0, 200)}`);
    log.info({ events: events.length, status: res.status }, `Nova event response: ${text.slice(0, 500)}`);
  };
}
