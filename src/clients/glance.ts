/**
 * The image service client nova uses (nova.image.glance): image metadata
 * over the Glance v2 REST API at `[glance] api_servers`, for nova-api's
 * imageRef checks and for nova-compute's downloads (glance-image-source.ts).
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { NovaError, registerErrors } from '../exception/base.ts';
import { ImageNotFound } from '../exception/resources.ts';
import { type Answer, type EndpointOptions, Endpoints, requestHeaders, Unreachable } from './endpoints.ts';
import type { TokenProvider } from './tokens.ts';

/** No image service endpoint answered (nova.exception.GlanceConnectionFailed). */
export class GlanceConnectionFailed extends NovaError {
  override readonly status = 503;
}
/** The image service refused the caller (401/403). */
export class ImageNotAuthorized extends NovaError {
  override readonly status = 403;
}
/** The image cannot be used: no data, wrong size or checksum, signature checks requested. */
export class ImageUnacceptable extends NovaError {
  override readonly status = 400;
  /** Worth another attempt (a corrupted or cut download). */
  readonly retriable: boolean;

  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
    this.retriable = kwargs.retriable === true;
  }
}
registerErrors(GlanceConnectionFailed, ImageNotAuthorized, ImageUnacceptable);

const USER_AGENT = 'nova-ts-image-client';

/** An image as GET /v2/images/{id} shows it (base attributes plus custom properties as extra keys). */
export interface GlanceImage {
  id: string;
  name: string | null;
  status: string;
  visibility: string;
  protected: boolean;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  min_ram: number;
  min_disk: number;
  disk_format: string | null;
  container_format: string | null;
  created_at: string;
  updated_at: string;
  tags: string[];
  [property: string]: unknown;
}

/** Is `v` an image view (the fields nova reads are there and of the right type)? */
export function isGlanceImage(v: unknown): v is GlanceImage {
  if (v === null || typeof v !== 'object') return false;
  const r: Record<string, unknown> = { ...v };
  const nullableNumber = (k: string) => r[k] === null || r[k] === undefined || typeof r[k] === 'number';
  return typeof r.id === 'string' && typeof r.status === 'string' && nullableNumber('size') && nullableNumber('min_ram') && nullableNumber('min_disk');
}

/** Keys of the image view that are not custom properties. */
const BASE_KEYS = new Set([
  'id',
  'name',
  'status',
  'visibility',
  'protected',
  'os_hidden',
  'checksum',
  'os_hash_algo',
  'os_hash_value',
  'owner',
  'size',
  'virtual_size',
  'min_ram',
  'min_disk',
  'disk_format',
  'container_format',
  'created_at',
  'updated_at',
  'tags',
  'self',
  'file',
  'schema',
  'direct_url',
  'locations',
  'stores',
]);

/** The options of `[glance]` as the clients take them. */
export function clientOptions(conf: NovaConfig): EndpointOptions & { verifySignatures: boolean } {
  return { servers: conf.glance.api_servers, retries: conf.glance.num_retries, verifySignatures: conf.glance.verify_glance_signatures };
}

/** The whole body of an answer as text (the idle timer stopped after). */
export async function readText(a: Answer): Promise<string> {
  try {
    return await a.res.text();
  } finally {
    a.done();
  }
}

/** Image metadata from the image service (nova-api validates imageRef with it). */
export class ImageApiClient {
  readonly http: Endpoints;

  constructor(
    opts: EndpointOptions,
    protected readonly tokens: TokenProvider,
  ) {
    this.http = new Endpoints(opts, /\/v2$/, '[glance] api_servers');
  }

  /** Headers of a request with `token` for `ctx`. */
  headers(token: string, ctx: RequestContext | undefined): Record<string, string> {
    return requestHeaders(token, ctx, USER_AGENT);
  }

  /** Retry `attempt` as `[glance] num_retries` says: cut connections and retriable ImageUnacceptable errors. */
  withRetries<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    return this.http.withRetries(
      what,
      attempt,
      (e) => e instanceof ImageUnacceptable && e.retriable,
      (m) => new GlanceConnectionFailed(`Connection to glance failed for ${m}`),
    );
  }

  /** GET a JSON document; ImageNotFound on 404 (when `imageId` is given), ImageNotAuthorized on 401/403. */
  async getJson(ctx: RequestContext | undefined, urlPath: string, imageId?: string): Promise<unknown> {
    const token = await this.tokens.token(ctx);
    return this.withRetries(urlPath, async () => {
      const a = await this.http.request(urlPath, { headers: this.headers(token, ctx) });
      const text = await readText(a).catch((e: unknown) => {
        throw new Unreachable(`reading the answer: ${e instanceof Error ? e.message : String(e)}`);
      });
      if (a.res.status === 404 && imageId !== undefined) throw ImageNotFound.of(imageId);
      if (a.res.status === 401 || a.res.status === 403) throw new ImageNotAuthorized(`Not authorized for image ${imageId ?? urlPath}.`, { image_id: imageId });
      if (a.res.status !== 200) throw new ImageUnacceptable(`Image service answered ${a.res.status} for ${urlPath}: ${text.slice(0, 200)}`);
      try {
        const parsed: unknown = JSON.parse(text);
        return parsed;
      } catch {
        throw new Unreachable(`malformed answer for ${urlPath}`);
      }
    });
  }

  /** One image; ImageNotFound when it does not exist or the caller cannot see it. */
  async show(ctx: RequestContext | undefined, imageId: string): Promise<GlanceImage> {
    const body = await this.getJson(ctx, `/v2/images/${encodeURIComponent(imageId)}`, imageId);
    if (!isGlanceImage(body)) throw new ImageUnacceptable(`The image service answered no image for ${imageId}`);
    return body;
  }

  /** Images with exactly this name, as `openstack image show <name>` finds them. */
  async listByName(ctx: RequestContext | undefined, name: string): Promise<GlanceImage[]> {
    // A name containing ':' would read as an operator (Glance's filter syntax); 'eq:' keeps it literal.
    const value = name.includes(':') ? `eq:${name}` : name;
    const body = await this.getJson(ctx, `/v2/images?name=${encodeURIComponent(value)}`);
    const images: unknown = body !== null && typeof body === 'object' && 'images' in body ? body.images : [];
    return Array.isArray(images) ? images.filter(isGlanceImage) : [];
  }
}

/** The image service refused a delete because of the image's state (nova.exception.ImageDeleteConflict). */
export class ImageDeleteConflict extends NovaError {
  override readonly status = 409;
}
registerErrors(ImageDeleteConflict);

/** One change of a PATCH /v2/images/{id} (application/openstack-images-v2.1-json-patch). */
export type ImagePatchOp = { op: 'add' | 'replace'; path: string; value: string } | { op: 'remove'; path: string };

/** The answer of a write, as the image API's errors map to nova's. */
async function writeAnswer(a: Answer, imageId: string): Promise<string> {
  const text = await readText(a).catch((e: unknown) => {
    throw new Unreachable(`reading the answer: ${e instanceof Error ? e.message : String(e)}`);
  });
  const status = a.res.status;
  if (status === 404) throw ImageNotFound.of(imageId);
  if (status === 401 || status === 403) throw new ImageNotAuthorized(`Not authorized for image ${imageId}.`, { image_id: imageId });
  if (status === 409) throw new ImageDeleteConflict(`Conflict deleting image. Reason: ${text.slice(0, 200)}.`, { image_id: imageId });
  if (status >= 400) throw new ImageUnacceptable(`Image service answered ${status} for image ${imageId}: ${text.slice(0, 200)}`);
  return text;
}

/**
 * What nova-api's image proxy (/images) needs besides show: list with
 * Glance's filters (following `next` links until `limit` images, or all),
 * delete, and property changes (JSON patch), each as the caller.
 */
export class ImageProxyClient extends ImageApiClient {
  /** GET /v2/images with these parameters, every page (or until `limit` images). */
  async list(ctx: RequestContext | undefined, params: readonly (readonly [string, string])[], limit?: number): Promise<GlanceImage[]> {
    const out: GlanceImage[] = [];
    const first = new URLSearchParams();
    for (const [k, v] of params) first.append(k, v);
    if (limit !== undefined) first.set('limit', String(limit));
    let next: string | null = `/v2/images?${first.toString()}`;
    while (next !== null && (limit === undefined || out.length < limit)) {
      const body = await this.getJson(ctx, next);
      const images: unknown = body !== null && typeof body === 'object' && 'images' in body ? body.images : [];
      const page = Array.isArray(images) ? images.filter(isGlanceImage) : [];
      out.push(...page);
      const link: unknown = body !== null && typeof body === 'object' && 'next' in body ? body.next : null;
      next = typeof link === 'string' && page.length > 0 ? link : null;
    }
    return limit === undefined ? out : out.slice(0, limit);
  }

  /** DELETE /v2/images/{id}: ImageNotFound, ImageNotAuthorized (403) or ImageDeleteConflict (409) as Glance refuses it. */
  async delete(ctx: RequestContext | undefined, imageId: string): Promise<void> {
    const token = await this.tokens.token(ctx);
    await this.withRetries(`delete ${imageId}`, async () => {
      const a = await this.http.request(`/v2/images/${encodeURIComponent(imageId)}`, { method: 'DELETE', headers: this.headers(token, ctx) });
      await writeAnswer(a, imageId);
    });
  }

  /** PATCH /v2/images/{id} with these changes; answers the image as it is now. */
  async patch(ctx: RequestContext | undefined, imageId: string, ops: readonly ImagePatchOp[]): Promise<GlanceImage> {
    const token = await this.tokens.token(ctx);
    const text = await this.withRetries(`update ${imageId}`, async () => {
      const headers = { ...this.headers(token, ctx), 'content-type': 'application/openstack-images-v2.1-json-patch' };
      const a = await this.http.request(`/v2/images/${encodeURIComponent(imageId)}`, { method: 'PATCH', headers, body: JSON.stringify(ops) });
      return writeAnswer(a, imageId);
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Unreachable(`malformed answer for image ${imageId}`);
    }
    if (!isGlanceImage(parsed)) throw new ImageUnacceptable(`The image service answered no image for ${imageId}`);
    return parsed;
  }
}

/** The custom properties of an image view, as strings. */
export function propertiesOf(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(image)) if (!BASE_KEYS.has(k) && v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
