/**
 * The image service as the volume service uses it (Cinder's
 * cinder.image.glance), wired from `[glance]`: metadata and downloads with
 * the caller's token (GlanceImageSource), a queued image and its data
 * uploaded from a file for os-volume_upload_image. Undefined without
 * `[glance] api_servers`.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { clientOptions, ImageApiClient, ImageNotAuthorized, ImageUnacceptable, isGlanceImage, propertiesOf, readText } from '../clients/glance.ts';
import { GlanceImageSource } from '../clients/glance-image-source.ts';
import { KeystoneClient } from '../clients/keystone-client.ts';
import { KeystoneTokens, NoAuthTokenProvider, type TokenProvider } from '../clients/tokens.ts';
import type { NovaConfig } from '../conf/loader.ts';
import { ImageNotFound } from '../exception/resources.ts';
import type { Logger } from '../log.ts';
import type { ImageInfo, VolumeImages } from '../volume/images.ts';
import { keystoneOptions } from './clients.ts';

function callerTokens(conf: NovaConfig, log: Logger): TokenProvider {
  if (conf.api.auth_strategy !== 'keystone') return new NoAuthTokenProvider({ actAsCaller: true });
  return new KeystoneTokens(new KeystoneClient(keystoneOptions(conf, log)), true);
}

export function volumeImagesFromConfig(conf: NovaConfig, log: Logger): VolumeImages | undefined {
  if (conf.glance.api_servers.length === 0) return undefined;
  const tokens = callerTokens(conf, log);
  const source = new GlanceImageSource(clientOptions(conf), tokens);
  const api = new ImageApiClient(clientOptions(conf), tokens);
  const info = (i: Parameters<typeof propertiesOf>[0]): ImageInfo => ({
    id: i.id,
    name: i.name,
    status: i.status,
    size: i.size,
    disk_format: i.disk_format,
    container_format: i.container_format,
    min_disk: i.min_disk ?? 0,
    min_ram: i.min_ram ?? 0,
    checksum: i.checksum,
    properties: propertiesOf(i),
  });
  return {
    async show(ctx, imageId) {
      try {
        return info(await api.show(ctx, imageId));
      } catch (e) {
        if (e instanceof ImageNotFound || e instanceof ImageNotAuthorized) return null;
        throw e;
      }
    },
    async download(ctx, imageId, dest) {
      await source.fetch(ctx, imageId, dest);
    },
    async create(ctx, image) {
      const token = await tokens.token(ctx);
      const body = {
        ...image.properties,
        name: image.name,
        disk_format: image.disk_format,
        container_format: image.container_format,
        visibility: image.visibility ?? 'private',
        protected: image.protected ?? false,
      };
      const a = await api.http.request('/v2/images', { method: 'POST', headers: { ...api.headers(token, ctx), 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await readText(a);
      if (a.res.status === 401 || a.res.status === 403) throw new ImageNotAuthorized(`Not authorized to create image ${image.name}: ${text.slice(0, 200)}`);
      const parsed: unknown = a.res.status === 201 ? JSON.parse(text) : null;
      if (!isGlanceImage(parsed)) throw new ImageUnacceptable(`Image ${image.name} could not be created: HTTP ${a.res.status} ${text.slice(0, 200)}`);
      return info(parsed);
    },
    async upload(ctx, imageId, src) {
      const token = await tokens.token(ctx);
      const url = `${api.http.current}/v2/images/${encodeURIComponent(imageId)}/file`;
      const headers = { ...api.headers(token, ctx), 'content-type': 'application/octet-stream' };
      const res = await fetch(url, { method: 'PUT', headers, body: Readable.toWeb(fs.createReadStream(src)) as ReadableStream, duplex: 'half' });
      const text = await res.text();
      if (res.status !== 204) throw new ImageUnacceptable(`Image ${imageId} upload failed: HTTP ${res.status} ${text.slice(0, 200)}`);
    },
  };
}
