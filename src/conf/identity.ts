import { defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/** `[identity]`: the identity service (nova-identity, a Keystone v3 subset). */
export const identityGroup = defineGroup('identity', 'The identity service (nova-identity): a Keystone v3 subset for the OpenStack clients.', {
  listen: strOpt({ default: '0.0.0.0', help: 'Address nova-identity listens on.' }),
  listen_port: portOpt({ default: 5000, help: 'Port nova-identity listens on (Keystone: 5000).' }),
  public_url: optionalStrOpt({
    help: "Base URL of the identity service as clients reach it, without the version (e.g. http://controller:5000). Used in links, in the WWW-Authenticate header and as the bootstrap's identity endpoint (plus /v3). Unset: links use the request's host; bootstrap uses http://$my_ip:<listen_port>.",
  }),
});

/** `[token]`: token lifetime (keystone.conf [token]). */
export const tokenGroup = defineGroup('token', 'Identity tokens.', {
  expiration: intOpt({ default: 3600, min: 1, help: 'Seconds a token is valid after it is issued.' }),
});

/** `[keystone_authtoken]`: how nova-api validates the caller's token against the identity service (keystonemiddleware's options). */
export const keystoneAuthtokenGroup = defineGroup('keystone_authtoken', 'Token validation by the services (keystonemiddleware): with [api] auth_strategy = keystone.', {
  www_authenticate_uri: optionalStrOpt({
    help: 'The identity endpoint clients are sent to in the WWW-Authenticate header of a 401. Unset: auth_url.',
  }),
  auth_url: strOpt({ default: 'http://127.0.0.1:5000', help: 'The identity service the service user authenticates against and validates tokens with (with or without /v3).' }),
  auth_type: strOpt({ default: 'password', choices: ['password'], help: 'How the service user authenticates (only password).' }),
  username: strOpt({ default: 'nova', help: 'The service user.' }),
  password: strOpt({ default: '', secret: true, help: "The service user's password." }),
  project_name: strOpt({ default: 'service', help: 'The project the service user scopes its token to.' }),
  user_domain_name: strOpt({ default: 'Default', help: "The service user's domain." }),
  project_domain_name: strOpt({ default: 'Default', help: "The service project's domain." }),
  token_cache_time: intOpt({
    default: 10,
    min: 0,
    help: 'Seconds a token validation (valid or not) is cached in the process. A revoked token is refused at most this long after its revocation. 0: no cache.',
  }),
  memcached_servers: listOpt({ default: [], help: 'Accepted for compatibility with keystonemiddleware configurations; validations are cached in process.' }),
});
