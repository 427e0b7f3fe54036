import type { ImageLookup } from '../compute-api/api.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { type KeystoneAuthenticator, keystoneAuthenticatorFromConfig } from '../identity/middleware.ts';
import { clientOptions, GlanceImageSource, ImageApiClient, NoAuthTokenProvider, propertiesOf, type TokenProvider } from '../image/client.ts';
import type { Logger } from '../log.ts';

/** Tokens for nova's requests to the image service under Keystone: the caller's own (nova-api) or nova's service token (nova-compute). */
class KeystoneTokens implements TokenProvider {
  constructor(
    private readonly auth: KeystoneAuthenticator,
    private readonly actAsCaller: boolean,
  ) {}

  async token(ctx?: RequestContext): Promise<string> {
    if (this.actAsCaller && ctx?.auth_token) return ctx.auth_token;
    return this.auth.serviceToken();
  }
}

function tokens(conf: NovaConfig, actAsCaller: boolean, log: Logger): TokenProvider {
  if (conf.api.auth_strategy !== 'keystone') return new NoAuthTokenProvider({ actAsCaller });
  const auth = keystoneAuthenticatorFromConfig(conf, log);
  return new KeystoneTokens(auth, actAsCaller);
}

/** The image service as nova-api sees it (imageRef checks with the caller's rights), or undefined without one (`[glance] api_servers` empty). */
export function imageLookupFromConfig(conf: NovaConfig, log: Logger): ImageLookup | undefined {
  if (conf.glance.api_servers.length === 0) return undefined;
  const client = new ImageApiClient(clientOptions(conf), tokens(conf, true, log));
  return {
    async show(ctx, imageId) {
      const i = await client.show(ctx, imageId);
      return { id: i.id, status: i.status, min_ram: i.min_ram ?? 0, min_disk: i.min_disk ?? 0, properties: propertiesOf(i) };
    },
  };
}

/** Where nova-compute reads image data: the image service, or undefined without one. */
export function imageSourceFromConfig(conf: NovaConfig, log: Logger): GlanceImageSource | undefined {
  if (conf.glance.api_servers.length === 0) return undefined;
  return new GlanceImageSource(clientOptions(conf), tokens(conf, false, log));
}
