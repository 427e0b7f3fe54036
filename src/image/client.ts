/**
 * The image service client nova uses: ImageApiClient (image metadata, for
 * nova-api's imageRef checks) and GlanceImageSource (the ImageSource
 * nova-compute reads images through: metadata plus a verified, atomic
 * download). Both speak the Glance v2 REST API to `[glance] api_servers`.
 */
import { createHash, getHashes, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { ImageNotFound } from '../exception/resources.ts';
import type { ImageRecord, ImageSource } from '../virt/images.ts';
import { type Answer, GlanceHttp, type GlanceHttpOptions, ImageNotAuthorized, ImageUnacceptable, requestHeaders, type TokenProvider, Unreachable } from './client-http.ts';

export { GlanceConnectionFailed, ImageNotAuthorized, ImageUnacceptable, type TokenProvider } from './client-http.ts';

/** The token noauth2 setups use for nova's own image requests ("admin" in the user name: sees every image). */
export const NOAUTH_SERVICE_TOKEN = 'nova-admin:service';

/**
 * Tokens for an image service behind noauth2 (`user:project` tokens). By
 * default a fixed service token; with `actAsCaller` the caller's own
 * identity (`<user>:<project>` of the request context), so the image
 * service applies the caller's visibility (nova-api's imageRef check).
 */
export class NoAuthTokenProvider implements TokenProvider {
  constructor(private readonly opts: { token?: string; actAsCaller?: boolean } = {}) {}

  async token(ctx?: RequestContext): Promise<string> {
    if (this.opts.actAsCaller && ctx?.user_id) return `${ctx.user_id}:${ctx.project_id ?? ctx.user_id}`;
    return this.opts.token ?? NOAUTH_SERVICE_TOKEN;
  }
}

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
export function clientOptions(conf: NovaConfig): GlanceHttpOptions & { verifySignatures: boolean } {
  return { servers: conf.glance.api_servers, retries: conf.glance.num_retries, verifySignatures: conf.glance.verify_glance_signatures };
}

async function readText(a: Answer): Promise<string> {
  try {
    return await a.res.text();
  } finally {
    a.done();
  }
}

/** Image metadata from the image service (nova-api validates imageRef with it). */
export class ImageApiClient {
  readonly http: GlanceHttp;

  constructor(
    opts: GlanceHttpOptions,
    private readonly tokens: TokenProvider,
  ) {
    this.http = new GlanceHttp(opts);
  }

  /** GET a JSON document; ImageNotFound on 404 (when `imageId` is given), ImageNotAuthorized on 401/403. */
  async getJson(ctx: RequestContext | undefined, urlPath: string, imageId?: string): Promise<unknown> {
    const token = await this.tokens.token(ctx);
    return this.http.withRetries(urlPath, async () => {
      const a = await this.http.request(urlPath, requestHeaders(token, ctx));
      const text = await readText(a).catch((e: unknown) => {
        throw new Unreachable(`reading the answer: ${(e as Error).message}`);
      });
      if (a.res.status === 404 && imageId !== undefined) throw ImageNotFound.of(imageId);
      if (a.res.status === 401 || a.res.status === 403) throw new ImageNotAuthorized(`Not authorized for image ${imageId ?? urlPath}.`, { image_id: imageId });
      if (a.res.status !== 200) throw new ImageUnacceptable(`Image service answered ${a.res.status} for ${urlPath}: ${text.slice(0, 200)}`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Unreachable(`malformed answer for ${urlPath}`);
      }
    });
  }

  /** One image; ImageNotFound when it does not exist or the caller cannot see it. */
  async show(ctx: RequestContext | undefined, imageId: string): Promise<GlanceImage> {
    return (await this.getJson(ctx, `/v2/images/${encodeURIComponent(imageId)}`, imageId)) as GlanceImage;
  }

  /** Images with exactly this name, as `openstack image show <name>` finds them. */
  async listByName(ctx: RequestContext | undefined, name: string): Promise<GlanceImage[]> {
    // A name containing ':' would read as an operator (Glance's filter syntax); 'eq:' keeps it literal.
    const value = name.includes(':') ? `eq:${name}` : name;
    const body = (await this.getJson(ctx, `/v2/images?name=${encodeURIComponent(value)}`)) as { images?: GlanceImage[] };
    return body.images ?? [];
  }
}

/** The custom properties of an image view, as strings. */
export function propertiesOf(image: GlanceImage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(image)) if (!BASE_KEYS.has(k) && v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** ImageSource over the image service's REST API (never its database). */
export class GlanceImageSource implements ImageSource {
  readonly api: ImageApiClient;

  constructor(
    opts: GlanceHttpOptions & { verifySignatures?: boolean },
    private readonly tokens: TokenProvider,
  ) {
    this.api = new ImageApiClient(opts, tokens);
    this.verifySignatures = opts.verifySignatures ?? false;
  }

  private readonly verifySignatures: boolean;

  async show(ctx: RequestContext, imageId: string): Promise<ImageRecord> {
    const image = await this.api.show(ctx, imageId);
    return {
      id: image.id,
      name: image.name,
      status: image.status,
      disk_format: image.disk_format,
      container_format: image.container_format,
      size: image.size,
      checksum: image.checksum,
      properties: propertiesOf(image),
    };
  }

  /**
   * Download to a temporary file beside `dest`, check size, md5 and the
   * os_hash (sha512) against the image record, then rename into place.
   * A failed or corrupted download leaves nothing behind; it is retried
   * `[glance] num_retries` times.
   */
  async fetch(ctx: RequestContext, imageId: string, dest: string): Promise<{ size: number; checksum: string | null }> {
    if (this.verifySignatures) throw new ImageUnacceptable(`Image ${imageId} is unacceptable: image signature verification is not supported ([glance] verify_glance_signatures)`);
    const image = await this.api.show(ctx, imageId);
    if (image.status !== 'active') throw new ImageUnacceptable(`Image ${imageId} is unacceptable: Image has no associated data (status ${image.status})`);
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    const token = await this.tokens.token(ctx);
    return this.api.http.withRetries(`image ${imageId} data`, () => this.downloadOnce(ctx, token, image, dest));
  }

  private async downloadOnce(ctx: RequestContext, token: string, image: GlanceImage, dest: string): Promise<{ size: number; checksum: string | null }> {
    const a = await this.api.http.request(`/v2/images/${encodeURIComponent(image.id)}/file`, { ...requestHeaders(token, ctx), accept: 'application/octet-stream' });
    const { res } = a;
    if (res.status !== 200 || !res.body) {
      await readText(a).catch(() => '');
      if (res.status === 404) throw ImageNotFound.of(image.id);
      if (res.status === 401 || res.status === 403) throw new ImageNotAuthorized(`Not authorized for image ${image.id}.`, { image_id: image.id });
      if (res.status === 204) throw new ImageUnacceptable(`Image ${image.id} is unacceptable: Image has no associated data`);
      throw new ImageUnacceptable(`Image ${image.id} download failed: HTTP ${res.status}`, { retriable: res.status >= 500 });
    }
    const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${randomBytes(6).toString('hex')}.part`);
    const md5 = createHash('md5');
    const algo = image.os_hash_algo && getHashes().includes(image.os_hash_algo) ? image.os_hash_algo : null;
    const multihash = algo ? createHash(algo) : null;
    let size = 0;
    try {
      const hashing = async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          a.touch();
          size += chunk.length;
          md5.update(chunk);
          multihash?.update(chunk);
          yield chunk;
        }
      };
      try {
        await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), hashing, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      } catch (e) {
        if (e instanceof Error && 'code' in e && ['ENOSPC', 'EACCES', 'EROFS', 'EDQUOT'].includes(String(e.code))) throw e;
        throw new ImageUnacceptable(`Image ${image.id} download was interrupted after ${size} bytes: ${(e as Error).message}`, { retriable: true });
      } finally {
        a.done();
      }
      const checksum = md5.digest('hex');
      const problems: string[] = [];
      if (image.size !== null && size !== image.size) problems.push(`size ${size} != ${image.size}`);
      if (image.checksum && checksum !== image.checksum) problems.push(`md5 ${checksum} != ${image.checksum}`);
      if (multihash && image.os_hash_value && multihash.digest('hex') !== image.os_hash_value) problems.push(`${algo} mismatch`);
      if (problems.length) throw new ImageUnacceptable(`Image ${image.id} is unacceptable: corrupted download (${problems.join(', ')})`, { retriable: true });
      const fh = await fs.promises.open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, dest);
      return { size, checksum };
    } finally {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
    }
  }
}
