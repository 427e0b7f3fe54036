/**
 * The images nova-compute writes to the image service (snapshots, backups,
 * shelved images): data streamed into a queued image, deletes, and the
 * lookups backup rotation needs. A stream cannot be sent twice, so an upload
 * goes to one endpoint and is not retried.
 */
import { Readable } from 'node:stream';
import type { RequestContext } from '../context.ts';
import type { ImageUploader } from '../virt/images.ts';
import type { EndpointOptions } from './endpoints.ts';
import { ImageApiClient, ImageUnacceptable, isGlanceImage, readText } from './glance.ts';
import type { TokenProvider } from './tokens.ts';

export class GlanceUploader implements ImageUploader {
  readonly api: ImageApiClient;

  constructor(
    opts: EndpointOptions,
    private readonly tokens: TokenProvider,
  ) {
    this.api = new ImageApiClient(opts, tokens);
  }

  async upload(ctx: RequestContext, imageId: string, data: Readable, diskFormat: 'qcow2' | 'raw'): Promise<void> {
    const token = await this.tokens.token(ctx);
    const url = `${this.api.http.current}/v2/images/${encodeURIComponent(imageId)}/file`;
    const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/octet-stream', 'x-image-meta-disk-format': diskFormat };
    const res = await fetch(url, { method: 'PUT', headers, body: Readable.toWeb(data), duplex: 'half' });
    const text = await res.text();
    if (res.status !== 204) throw new ImageUnacceptable(`Image ${imageId} upload failed: HTTP ${res.status} ${text.slice(0, 200)}`);
  }

  async delete(ctx: RequestContext, imageId: string): Promise<void> {
    const token = await this.tokens.token(ctx);
    await this.api.withRetries(`delete image ${imageId}`, async () => {
      const a = await this.api.http.request(`/v2/images/${encodeURIComponent(imageId)}`, { method: 'DELETE', headers: this.api.headers(token, ctx) });
      const text = await readText(a);
      if (a.res.status !== 204 && a.res.status !== 404) throw new ImageUnacceptable(`Image ${imageId} delete failed: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
  }

  async findByProperties(ctx: RequestContext, properties: Readonly<Record<string, string>>): Promise<{ id: string; created_at: string }[]> {
    const query = new URLSearchParams({ ...properties, sort_key: 'created_at', sort_dir: 'desc', limit: '1000' });
    const body = await this.api.getJson(ctx, `/v2/images?${query}`);
    const images: unknown = body !== null && typeof body === 'object' && 'images' in body ? body.images : [];
    return Array.isArray(images) ? images.filter(isGlanceImage).map((i) => ({ id: i.id, created_at: i.created_at })) : [];
  }
}
