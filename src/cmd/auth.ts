/** How REST services authenticate their callers, from `[api] auth_strategy` and `[keystone_authtoken]`. */
import { KeystoneAuthenticator } from '../clients/keystone-auth.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { type Authenticator, NoAuth2 } from '../http/auth.ts';
import type { Logger } from '../log.ts';
import { keystoneOptions } from './clients.ts';

/** Keystone token validation for the service user of `[keystone_authtoken]`. */
export function keystoneAuthenticatorFromConfig(conf: NovaConfig, log?: Logger): KeystoneAuthenticator {
  const k = conf.keystone_authtoken;
  return new KeystoneAuthenticator({ ...keystoneOptions(conf, log), cacheTimeSec: k.token_cache_time, wwwAuthenticateUri: k.www_authenticate_uri });
}

/** The authenticator `[api] auth_strategy` asks for: NoAuth2, or Keystone validation with `[keystone_authtoken]`. */
export function authenticatorFromConfig(conf: NovaConfig, log?: Logger): Authenticator {
  return conf.api.auth_strategy === 'keystone' ? keystoneAuthenticatorFromConfig(conf, log) : new NoAuth2();
}
