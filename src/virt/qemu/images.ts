/**
 * Disks of QEMU guests: a per-host cache of base images under
 * `$instances_path/_base/<image id>`, filled from an ImageSource, and one
 * qcow2 overlay per instance on top of it, grown to the flavor's root disk.
 * LocalImageSource serves images from a directory when there is no image
 * service (tests, single-host setups).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../../context.ts';
import { ImageNotFound } from '../../exception/resources.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { ImageRecord, ImageSource } from '../images.ts';
import { basePath, checkImageId } from './paths.ts';

/** Disk formats the driver boots. */
export type DiskFormat = 'qcow2' | 'raw';

const GiB = 1024 ** 3;
const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/** Run qemu-img; rejects with HypervisorError (and its stderr) on failure or after `timeoutMs`. */
export function qemuImg(binary: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new HypervisorError(`${binary} ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { binary }));
      else resolve(stdout);
    });
  });
}

/** What `qemu-img info` says about a disk file. */
export interface DiskInfo {
  format: string;
  virtualSize: number;
  backingFile: string | null;
}

/** `qemu-img info --output=json` of `file` (read-only, also while a guest uses it), opened as `format` when given (no probing). */
export async function diskInfo(binary: string, file: string, format?: DiskFormat): Promise<DiskInfo> {
  const out = await qemuImg(binary, ['info', '-U', '--output=json', ...(format ? ['-f', format] : []), file], 30_000);
  const j = JSON.parse(out) as { format?: unknown; 'virtual-size'?: unknown; 'backing-filename'?: unknown };
  return {
    format: String(j.format ?? ''),
    virtualSize: Number(j['virtual-size'] ?? 0),
    backingFile: typeof j['backing-filename'] === 'string' ? j['backing-filename'] : null,
  };
}

/** qcow2 when the file starts with the qcow2 magic, else raw. */
export function sniffFormat(file: string): DiskFormat {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const n = fs.readSync(fd, head, 0, 4, 0);
    return n === 4 && head.equals(QCOW2_MAGIC) ? 'qcow2' : 'raw';
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Images from a directory: image id X is the file `X`, `X.qcow2` or `X.raw`
 * (a bare name is qcow2 when it starts with the qcow2 magic, else raw).
 */
export class LocalImageSource implements ImageSource {
  constructor(readonly dir: string) {}

  private locate(imageId: string): { file: string; format: DiskFormat } | null {
    checkImageId(imageId);
    for (const [name, format] of [
      [imageId, null],
      [`${imageId}.qcow2`, 'qcow2'],
      [`${imageId}.raw`, 'raw'],
    ] as const) {
      const file = path.resolve(this.dir, name);
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return { file, format: format ?? sniffFormat(file) };
    }
    return null;
  }

  async show(_ctx: RequestContext, imageId: string): Promise<ImageRecord> {
    const found = this.locate(imageId);
    if (!found) throw ImageNotFound.of(imageId);
    return {
      id: imageId,
      name: path.basename(found.file),
      status: 'active',
      disk_format: found.format,
      container_format: 'bare',
      size: fs.statSync(found.file).size,
      checksum: null,
      properties: {},
    };
  }

  async fetch(_ctx: RequestContext, imageId: string, dest: string): Promise<{ size: number; checksum: string | null }> {
    const found = this.locate(imageId);
    if (!found) throw ImageNotFound.of(imageId);
    const tmp = `${dest}.part-${randomBytes(4).toString('hex')}`;
    const md5 = createHash('md5');
    let size = 0;
    try {
      await pipeline(
        fs.createReadStream(found.file),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const c of chunks) {
            md5.update(c);
            size += c.length;
            yield c;
          }
        },
        fs.createWriteStream(tmp, { mode: 0o644 }),
      );
      fs.renameSync(tmp, dest);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    return { size, checksum: md5.digest('hex') };
  }
}

/** Options of the image cache. */
export interface ImageCacheOptions {
  instancesPath: string;
  qemuImg: string;
  source: ImageSource;
}

/** The per-host cache of base images. Concurrent spawns of one image fetch it once. */
export class ImageCache {
  private readonly inflight = new Map<string, Promise<{ path: string; format: DiskFormat }>>();

  constructor(private readonly opts: ImageCacheOptions) {}

  /** The cached base image of `imageId`, fetched from the source when missing. */
  ensureBase(ctx: RequestContext, imageId: string): Promise<{ path: string; format: DiskFormat }> {
    const running = this.inflight.get(imageId);
    if (running) return running;
    const p = this.load(ctx, imageId).finally(() => this.inflight.delete(imageId));
    this.inflight.set(imageId, p);
    return p;
  }

  /** The image's properties as the source has them ({} when it cannot say: the image is gone, the service is down). */
  async properties(ctx: RequestContext, imageId: string): Promise<Record<string, string>> {
    return (await this.opts.source.show(ctx, imageId).catch(() => null))?.properties ?? {};
  }

  private async load(ctx: RequestContext, imageId: string): Promise<{ path: string; format: DiskFormat }> {
    const file = basePath(this.opts.instancesPath, imageId);
    const record = await this.opts.source.show(ctx, imageId);
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      await this.opts.source.fetch(ctx, imageId, file);
    }
    const declared = record.disk_format === 'qcow2' || record.disk_format === 'raw' ? record.disk_format : null;
    if (record.disk_format && !declared)
      throw new HypervisorError(`image ${imageId} has disk_format ${record.disk_format}; the qemu driver boots qcow2 and raw`, { image_id: imageId });
    const format = declared ?? sniffFormat(file);
    const info = await diskInfo(this.opts.qemuImg, file, format);
    if (info.backingFile) throw new HypervisorError(`image ${imageId} refers to a backing file (${info.backingFile}); refusing it`, { image_id: imageId });
    return { path: file, format };
  }
}

/**
 * Create the instance's qcow2 overlay on `base` and grow it to `rootGb`
 * (0 keeps the image's size). A root disk smaller than the image fails.
 */
export async function createOverlay(binary: string, base: { path: string; format: DiskFormat }, dest: string, rootGb: number): Promise<void> {
  const info = await diskInfo(binary, base.path, base.format);
  const want = rootGb * GiB;
  if (want > 0 && want < info.virtualSize) {
    throw new HypervisorError(`the flavor's root disk (${rootGb} GiB) is smaller than the image (${info.virtualSize} bytes)`, { root_gb: rootGb });
  }
  await qemuImg(binary, ['create', '-q', '-f', 'qcow2', '-F', base.format, '-b', path.resolve(base.path), dest]);
  if (want > info.virtualSize) await qemuImg(binary, ['resize', '-q', '-f', 'qcow2', dest, String(want)]);
}
