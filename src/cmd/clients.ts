/**
 * The clients nova's daemons use, wired from nova.conf: the identity
 * service's service user (`[keystone_authtoken]`) and the image service
 * (`[glance]`). How callers are authenticated is in auth.ts.
 */

import { clientOptions, type GlanceImage, ImageApiClient, type ImagePatchOp, ImageProxyClient, propertiesOf } from '../clients/glance.ts';
import { GlanceImageSource } from '../clients/glance-image-source.ts';
import { GlanceSnapshotImages } from '../clients/glance-snapshots.ts';
import { GlanceUploader } from '../clients/glance-uploader.ts';
import { KeystoneClient } from '../clients/keystone-client.ts';
import { KeystoneTokens, NoAuthTokenProvider, type TokenProvider } from '../clients/tokens.ts';
import type { ImageLookup } from '../compute-api/api.ts';
import type { ComputeImage, ComputeImages } from '../compute-api/images.ts';
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

/** Where nova-api creates snapshot, backup and shelved image records (as the caller), or undefined without an image service. */
export function snapshotImagesFromConfig(conf: NovaConfig, log: Logger): GlanceSnapshotImages | undefined {
  const first = conf.glance.api_servers[0];
  if (first === undefined) return undefined;
  return new GlanceSnapshotImages(clientOptions(conf), tokens(conf, true, log), first.replace(/\/+$/, ''));
}

/** A Glance v2 image as nova's image proxy reads it (_translate_from_glance). */
function computeImage(i: GlanceImage): ComputeImage {
  return {
    id: i.id,
    name: i.name ?? null,
    status: i.status,
    min_ram: i.min_ram ?? null,
    min_disk: i.min_disk ?? null,
    size: i.size ?? 0,
    created_at: i.created_at ?? null,
    updated_at: i.updated_at ?? null,
    properties: propertiesOf(i),
  };
}

/** The image service for nova-api's /images proxy (as the caller), or undefined without one. */
export function computeImagesFromConfig(conf: NovaConfig, log: Logger): ComputeImages | undefined {
  if (conf.glance.api_servers.length === 0) return undefined;
  const client = new ImageProxyClient(clientOptions(conf), tokens(conf, true, log));
  const linkBase = (conf.api.glance_link_prefix ?? conf.glance.api_servers[0] ?? '').replace(/\/+$/, '').replace(/\/v2$/, '');
  return {
    linkBase,
    show: async (ctx, id) => computeImage(await client.show(ctx, id)),
    list: async (ctx, params, limit) => (await client.list(ctx, params, limit)).map(computeImage),
    delete: (ctx, id) => client.delete(ctx, id),
    async setProperties(ctx, id, properties) {
      const current = propertiesOf(await client.show(ctx, id));
      const ops: ImagePatchOp[] = [];
      for (const k of Object.keys(current)) if (!Object.hasOwn(properties, k)) ops.push({ op: 'remove', path: `/${k}` });
      for (const [k, v] of Object.entries(properties)) {
        if (current[k] === v) continue;
        ops.push({ op: Object.hasOwn(current, k) ? 'replace' : 'add', path: `/${k}`, value: v });
      }
      return computeImage(ops.length ? await client.patch(ctx, id, ops) : await client.show(ctx, id));
    },
  };
}
