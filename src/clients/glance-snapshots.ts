/**
 * The image records nova-api creates in the image service for snapshots,
 * backups and shelved images, as the caller (Nova's glance.API.create and
 * delete): POST /v2/images with the record (its id chosen here, so that a
 * retried create finds the image the first attempt made), the instance's
 * project made a member of a shared image, DELETE. A record of size 0 (a
 * volume-backed snapshot: properties only) is made active at once as Nova's
 * glance client does: raw/bare unless given, empty data uploaded.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import type { EndpointOptions } from './endpoints.ts';
import { ImageApiClient, ImageNotAuthorized, ImageUnacceptable, readText } from './glance.ts';
import type { TokenProvider } from './tokens.ts';

/** An image record to create, queued (nova-compute uploads its data later). */
export interface ImageRecordRequest {
  name: string;
  visibility: 'private' | 'shared';
  /** A project to make a member of the (shared) image. */
  member: string | null;
  min_ram: number;
  min_disk: number;
  disk_format?: string;
  container_format?: string;
  /** 0: no data; the image is activated with an empty upload. */
  size?: 0;
  properties: Record<string, string>;
}

export class GlanceSnapshotImages {
  private readonly api: ImageApiClient;

  constructor(
    opts: EndpointOptions,
    private readonly tokens: TokenProvider,
    readonly linkBase: string,
  ) {
    this.api = new ImageApiClient(opts, tokens);
  }

  async create(ctx: RequestContext, image: ImageRecordRequest): Promise<{ id: string }> {
    const id = randomUUID();
    const body: Record<string, unknown> = { ...image.properties, id, name: image.name, visibility: image.visibility, min_ram: image.min_ram, min_disk: image.min_disk };
    const activate = image.size === 0;
    if (image.disk_format || activate) body.disk_format = image.disk_format ?? 'raw';
    if (image.container_format || activate) body.container_format = image.container_format ?? 'bare';
    const token = await this.tokens.token(ctx);
    await this.api.withRetries(`create image ${image.name}`, async () => {
      const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/json' };
      const a = await this.api.http.request('/v2/images', { method: 'POST', headers, body: JSON.stringify(body) });
      const text = await readText(a);
      // 409: a retry of a create whose answer was lost (the id is ours).
      if (a.res.status === 201 || a.res.status === 409) return;
      if (a.res.status === 401 || a.res.status === 403) throw new ImageNotAuthorized(`Not authorized to create image ${image.name}: ${text.slice(0, 200)}`);
      throw new ImageUnacceptable(`Image ${image.name} could not be created: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
    if (image.member) await this.addMember(ctx, id, image.member, token);
    if (activate) await this.uploadNothing(ctx, id, token);
    return { id };
  }

  /** PUT of empty data: a queued record with its formats set becomes active (size 0). */
  private async uploadNothing(ctx: RequestContext, imageId: string, token: string): Promise<void> {
    await this.api.withRetries(`activate image ${imageId}`, async () => {
      const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/octet-stream' };
      const a = await this.api.http.request(`/v2/images/${encodeURIComponent(imageId)}/file`, { method: 'PUT', headers, body: '' });
      const text = await readText(a);
      // 409: a retry of an upload whose answer was lost (the image is active already).
      if (a.res.status === 204 || a.res.status === 409) return;
      throw new ImageUnacceptable(`Image ${imageId} could not be activated: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
  }

  private async addMember(ctx: RequestContext, imageId: string, member: string, token: string): Promise<void> {
    await this.api.withRetries(`share image ${imageId}`, async () => {
      const headers = { ...this.api.headers(token, ctx), 'content-type': 'application/json' };
      const a = await this.api.http.request(`/v2/images/${encodeURIComponent(imageId)}/members`, { method: 'POST', headers, body: JSON.stringify({ member }) });
      const text = await readText(a);
      if (a.res.status === 200 || a.res.status === 409) return;
      throw new ImageUnacceptable(`Image ${imageId} could not be shared with ${member}: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
  }

  async delete(ctx: RequestContext, imageId: string): Promise<void> {
    const token = await this.tokens.token(ctx);
    await this.api.withRetries(`delete image ${imageId}`, async () => {
      const a = await this.api.http.request(`/v2/images/${encodeURIComponent(imageId)}`, { method: 'DELETE', headers: this.api.headers(token, ctx) });
      const text = await readText(a);
      if (a.res.status === 204 || a.res.status === 404) return;
      if (a.res.status === 401 || a.res.status === 403) throw new ImageNotAuthorized(`Not authorized to delete image ${imageId}.`, { image_id: imageId });
      throw new ImageUnacceptable(`Image ${imageId} could not be deleted: HTTP ${a.res.status} ${text.slice(0, 200)}`);
    });
  }
}
