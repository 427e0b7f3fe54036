import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NovaError } from '../exception/base.ts';
import { errorCode } from '../util/error-code.ts';
import { errorMessage } from '../util/error-message.ts';

/** The upload went past `[glance_api] image_size_cap`. */
export class ImageSizeLimitExceeded extends NovaError {}
/** The store's disk is full (ENOSPC, EDQUOT). */
export class StorageFull extends NovaError {}
/** The store's directory cannot be written (EACCES, EPERM, EROFS). */
export class StorageWriteDenied extends NovaError {}
/** The body ended with a different size than announced. */
export class SizeMismatch extends NovaError {}

/** What an upload stored. */
export interface StoredData {
  location: string;
  size: number;
  /** md5 hex (Glance's `checksum`). */
  checksum: string;
  os_hash_algo: 'sha512';
  os_hash_value: string;
}

/** Limits of one upload. */
export interface AddOptions {
  /** Fail with ImageSizeLimitExceeded past this many bytes. */
  sizeCap: number;
  /** When known (X-Openstack-Image-Size), the body must have exactly this size. */
  expectedSize?: number;
}

/**
 * Glance's filesystem store: one file per image, `<datadir>/<image id>`.
 * Data is streamed to a temporary file beside it while its size, md5 and
 * sha512 are computed, flushed to disk, and renamed into place only when
 * complete, so a file under an image's name is always whole. Any failure
 * (client gone, cap exceeded, disk error) deletes the temporary file.
 */
export class FilesystemStore {
  constructor(readonly datadir: string) {}

  /** Create the directory (at service start). */
  async init(): Promise<void> {
    await fs.promises.mkdir(this.datadir, { recursive: true });
  }

  /** Store `source` as the data of image `id`. */
  async add(id: string, source: Readable, opts: AddOptions): Promise<StoredData> {
    await this.init();
    const final = path.join(this.datadir, id);
    const tmp = path.join(this.datadir, `.${id}.${randomBytes(6).toString('hex')}.part`);
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    let size = 0;
    const measure = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        size += chunk.length;
        if (size > opts.sizeCap) throw new ImageSizeLimitExceeded('The provided image is too large.');
        md5.update(chunk);
        sha512.update(chunk);
        yield chunk;
      }
    };
    try {
      await pipeline(source, measure, fs.createWriteStream(tmp, { flags: 'wx', mode: 0o640 }));
      if (opts.expectedSize !== undefined && size !== opts.expectedSize) {
        throw new SizeMismatch(`Size of the uploaded data (${size} bytes) does not match the announced size (${opts.expectedSize} bytes).`);
      }
      const fh = await fs.promises.open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.promises.rename(tmp, final);
    } catch (e) {
      await fs.promises.rm(tmp, { force: true }).catch(() => {});
      throw storeError(e);
    }
    return { location: pathToFileURL(final).href, size, checksum: md5.digest('hex'), os_hash_algo: 'sha512', os_hash_value: sha512.digest('hex') };
  }

  /** Temporary upload files (`.<image id>.<random>.part`) with their image id and last write time. */
  async partFiles(): Promise<{ imageId: string; file: string; mtimeMs: number }[]> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.datadir);
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return [];
      throw e;
    }
    const out: { imageId: string; file: string; mtimeMs: number }[] = [];
    for (const name of names) {
      const imageId = /^\.(.+)\.[0-9a-f]{12}\.part$/.exec(name)?.[1];
      if (imageId === undefined) continue;
      const file = path.join(this.datadir, name);
      const st = await fs.promises.stat(file).catch(() => null);
      if (st) out.push({ imageId, file, mtimeMs: st.mtimeMs });
    }
    return out;
  }

  /** The data at `location` as a stream with its size, or null when there is none. */
  async open(location: string): Promise<{ stream: fs.ReadStream; size: number } | null> {
    const file = this.pathOf(location);
    if (!file) return null;
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(file, 'r');
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return null;
      throw e;
    }
    const { size } = await fh.stat();
    return { stream: fh.createReadStream(), size };
  }

  /** Remove one file of the store directory (nothing if already gone). */
  async removeFile(file: string): Promise<void> {
    await fs.promises.rm(file, { force: true });
  }

  /** Remove the data at `location` (nothing if already gone). */
  async delete(location: string): Promise<void> {
    const file = this.pathOf(location);
    if (file) await fs.promises.rm(file, { force: true });
  }

  private pathOf(location: string): string | null {
    return location.startsWith('file://') ? fileURLToPath(location) : null;
  }
}

function storeError(e: unknown): unknown {
  const code = errorCode(e);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new StorageFull(errorMessage(e));
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new StorageWriteDenied(errorMessage(e));
  return e;
}
