/**
 * The images nova-compute writes to the image service (snapshots, backups,
 * shelved images): data streamed into a queued image, deletes, and the
 * lookups backup rotation needs. A stream cannot be sent twice, so an upload
 * goes to one endpoint and is not retried.
 */
import { Readable } from 'node:stream';
import type { RequestContext } from '../context.ts';
import { ImageNotFound } from '../exception/resources.ts';
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
    await this.describe(ctx, imageId, diskFormat);
    const token = await this.tokens.token(ctx);
    const url = `${this.api.http.current}/v2/images/${encodeURIComponent(imageId)}/file`;
    const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/octet-stream', 'x-image-meta-disk-format': diskFormat };
    const res = await fetch(url, { method: 'PUT', headers, body: Readable.toWeb(data), duplex: 'half' });
    const text = await res.text();
    if (res.status !== 204) throw new ImageUnacceptable(`Image ${imageId} upload failed: HTTP ${res.status} ${text.slice(0, 200)}`);
  }

  /**
   * What the driver knows of the data before it is stored, as Nova's
   * libvirt snapshot sets it: the disk format (and a bare container) where
   * nova-api left them unset (a snapshot's data may be in another format
   * than its instance's image), and the image_location / image_state
   * properties of a snapshot. The image service wants the formats set
   * before it takes data.
   */
  private async describe(ctx: RequestContext, imageId: string, diskFormat: 'qcow2' | 'raw'): Promise<void> {
    const image = await this.api.show(ctx, imageId);
    const ops: { op: 'add' | 'replace'; path: string; value: string }[] = [];
    if (!image.disk_format) ops.push({ op: 'replace', path: '/disk_format', value: diskFormat });
    if (!image.container_format) ops.push({ op: 'replace', path: '/container_format', value: 'bare' });
    for (const [k, v] of [
      ['image_location', 'snapshot'],
      ['image_state', 'available'],
    ] as const) {
      if (image[k] === undefined) ops.push({ op: 'add', path: `/${k}`, value: v });
    }
    if (ops.length === 0) return;
    const token = await this.tokens.token(ctx);
    await this.api.withRetries(`describe image ${imageId}`, async () => {
      const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/openstack-images-v2.1-json-patch' };
      const a = await this.api.http.request(`/v2/images/${encodeURIComponent(imageId)}`, { method: 'PATCH', headers, body: JSON.stringify(ops) });
      const text = await readText(a);
      if (a.res.status === 404) throw ImageNotFound.of(imageId);
      if (a.res.status !== 200) throw new ImageUnacceptable(`Image ${imageId} update failed: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
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
