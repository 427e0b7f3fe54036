import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt, strOpt } from './opt.ts';

/**
 * `[neutron]`: how nova (nova-api, nova-conductor, nova-compute) reaches the
 * network service, as Nova's nova/conf/neutron.py with its keystoneauth
 * session, auth and adapter options. The endpoint is `endpoint_override`
 * when set, else the catalog's `service_type` endpoint of `region_name`
 * (first of `valid_interfaces`). Under `[api] auth_strategy = noauth2` there
 * is no catalog: without `endpoint_override` nova has no network service and
 * servers get no ports.
 */
export const neutronGroup = defineGroup('neutron', 'How nova talks to the network service (Neutron v2.0 API).', {
  auth_type: strOpt({ default: 'password', choices: ['password'], help: 'How nova authenticates to the network service for its own requests (only password).' }),
  auth_url: strOpt({ default: 'http://127.0.0.1:5000', help: 'The identity service of the [neutron] user (with or without /v3).' }),
  username: strOpt({ default: 'neutron', help: 'The user nova acts as towards the network service for admin operations (binding ports, listing all ports).' }),
  password: strOpt({ default: '', secret: true, help: "The [neutron] user's password." }),
  project_name: strOpt({ default: 'service', help: 'The project the [neutron] user scopes its token to.' }),
  user_domain_name: strOpt({ default: 'Default', help: "The [neutron] user's domain." }),
  project_domain_name: strOpt({ default: 'Default', help: "The [neutron] user's project domain." }),
  region_name: strOpt({ default: 'RegionOne', help: 'Region of the network endpoint in the catalog.' }),
  service_type: strOpt({ default: 'network', help: 'Catalog type of the network service.' }),
  valid_interfaces: listOpt({
    default: ['internal', 'public'],
    choices: ['internal', 'public', 'admin'],
    help: 'Catalog interfaces of the network endpoint, in order of preference.',
  }),
  endpoint_override: optionalStrOpt({
    help: 'The network service URL (e.g. http://127.0.0.1:9696), instead of the catalog. Under noauth2, unset means there is no network service.',
  }),
  timeout: intOpt({ default: 30, min: 1, help: 'Seconds to wait for an answer of the network service.' }),
  http_retries: intOpt({ default: 3, min: 0, help: 'Extra attempts of a request that could not reach the network service (connection error, 502/503/504).' }),
  default_floating_pool: strOpt({
    default: 'public',
    help: 'The external network addFloatingIp and os-floating-ips allocate from when no pool is given (name or id).',
  }),
  service_metadata_proxy: boolOpt({
    default: false,
    help: "Whether metadata requests reach nova-api-metadata through the network service's metadata proxy, which names the instance in X-Instance-ID and X-Tenant-ID, signed in X-Instance-ID-Signature. Off: the instance is found by the address the request comes from (X-Forwarded-For when present) and X-Instance-ID is ignored. Related options: metadata_proxy_shared_secret.",
  }),
  metadata_proxy_shared_secret: strOpt({
    default: '',
    secret: true,
    help: "The secret the metadata proxy signs instance ids with (X-Instance-ID-Signature: the hex HMAC-SHA256 of X-Instance-ID under this key); a request whose signature does not match is refused (403). The same as the proxy's metadata_proxy_shared_secret; nova-network-agent's DHCP role (the metadata proxy of its networks) signs with this option of its own configuration. Related options: service_metadata_proxy, [DEFAULT] enable_isolated_metadata.",
  }),
});
