/**
 * The clients nova's daemons use, wired from nova.conf: the identity
 * service's service user (`[keystone_authtoken]`) and the image service
 * (`[glance]`). How callers are authenticated is in auth.ts.
 */

import { clientOptions, ImageApiClient, propertiesOf } from '../clients/glance.ts';
import { GlanceImageSource } from '../clients/glance-image-source.ts';
import { GlanceUploader } from '../clients/glance-uploader.ts';
import { KeystoneClient } from '../clients/keystone-client.ts';
import { KeystoneTokens, NoAuthTokenProvider, type TokenProvider } from '../clients/tokens.ts';
import type { ImageLookup } from '../compute-api/api.ts';
import type { NovaConfig } from '../conf/loader.ts';
import type { Logger } from '../log.ts';

/** The service user of `[keystone_authtoken]` as the client options take it. */
export function keystoneOptions(conf: NovaConfig, log?: Logger) {
  const k = conf.keystone_authtoken;
  return {
    authUrl: k.auth_url,
    username: k.username,
    password: k.password,
    projectName: k.project_name,
    userDomainName: k.user_domain_name,
    projectDomainName: k.project_domain_name,
    log,
  };
}

/** Tokens for nova's requests to other services: the caller's own (nova-api) or nova's service token (nova-compute). */
function tokens(conf: NovaConfig, actAsCaller: boolean, log: Logger): TokenProvider {
  if (conf.api.auth_strategy !== 'keystone') return new NoAuthTokenProvider({ actAsCaller });
  return new KeystoneTokens(new KeystoneClient(keystoneOptions(conf, log)), actAsCaller);
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

/** Where nova-compute writes snapshots: the image service as nova's service user, or undefined without one. */
export function imageUploaderFromConfig(conf: NovaConfig, log: Logger): GlanceUploader | undefined {
  if (conf.glance.api_servers.length === 0) return undefined;
  return new GlanceUploader(clientOptions(conf), tokens(conf, false, log));
}
