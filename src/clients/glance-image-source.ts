/**
 * The ImageSource nova-compute reads images through: metadata plus a
 * verified, atomic download over the image service's REST API (never its
 * database).
 */
import { createHash, getHashes, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../context.ts';
import { ImageNotFound } from '../exception/resources.ts';
import type { ImageRecord, ImageSource } from '../virt/images.ts';
import type { EndpointOptions } from './endpoints.ts';
import { type GlanceImage, ImageApiClient, ImageNotAuthorized, ImageUnacceptable, propertiesOf, readText } from './glance.ts';
import type { TokenProvider } from './tokens.ts';

/** Disk errors are not the image service's fault: they are not retried. */
const LOCAL_ERRORS = new Set(['ENOSPC', 'EACCES', 'EROFS', 'EDQUOT']);

function isLocalError(e: unknown): boolean {
  return e instanceof Error && 'code' in e && LOCAL_ERRORS.has(String(e.code));
}

/** ImageSource over the image service's REST API (never its database). */
export class GlanceImageSource implements ImageSource {
  readonly api: ImageApiClient;

  constructor(
    opts: EndpointOptions & { verifySignatures?: boolean },
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
    return this.api.withRetries(`image ${imageId} data`, () => this.downloadOnce(ctx, token, image, dest));
  }

  private async downloadOnce(ctx: RequestContext, token: string, image: GlanceImage, dest: string): Promise<{ size: number; checksum: string | null }> {
    const a = await this.api.http.request(`/v2/images/${encodeURIComponent(image.id)}/file`, { headers: { ...this.api.headers(token, ctx), accept: 'application/octet-stream' } });
    const { res } = a;
    if (res.status !== 200 || !res.body) {
      await readText(a).catch(() => ''); // an error answer's body says nothing more than its status
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
        await pipeline(Readable.fromWeb(res.body), hashing, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      } catch (e) {
        if (isLocalError(e)) throw e;
        throw new ImageUnacceptable(`Image ${image.id} download was interrupted after ${size} bytes: ${e instanceof Error ? e.message : String(e)}`, { retriable: true });
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
      await fs.promises.rm(tmp, { force: true });
    }
  }
}
