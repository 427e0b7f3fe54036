/**
 * Where nova-compute gets image data from. The Glance client
 * (src/image/client.ts) fetches over the image service's REST API; a local
 * directory source serves tests and single-host setups. Drivers that need
 * image files (qemu) take one of these; the fake driver needs none.
 */
import type { RequestContext } from '../context.ts';

export interface ImageRecord {
  id: string;
  name: string | null;
  status: string;
  disk_format: string | null;
  container_format: string | null;
  size: number | null;
  checksum: string | null;
  /** Image properties (hw_*, os_*, and custom ones), as strings. */
  properties: Record<string, string>;
}

export interface ImageSource {
  /** The image's metadata; throws ImageNotFound. */
  show(ctx: RequestContext, imageId: string): Promise<ImageRecord>;
  /**
   * Download the image data to `dest`: written to a temporary file beside it
   * and renamed into place only when complete and its checksum verified.
   */
  fetch(ctx: RequestContext, imageId: string, dest: string): Promise<{ size: number; checksum: string | null }>;
}

/**
 * Where nova-compute writes images (snapshots, backups, shelved images) and
 * manages the ones it wrote. The Glance client implements it over the image
 * service's REST API.
 */
export interface ImageUploader {
  /** Upload `data` into the (queued) image `imageId`; the image becomes active. */
  upload(ctx: RequestContext, imageId: string, data: import('node:stream').Readable, diskFormat: 'qcow2' | 'raw'): Promise<void>;
  /** Delete an image (a shelved image once unshelved, a backup rotated out); an image already gone is fine. */
  delete(ctx: RequestContext, imageId: string): Promise<void>;
  /** Images whose properties include all of `properties`, newest first (backup rotation). */
  findByProperties(ctx: RequestContext, properties: Readonly<Record<string, string>>): Promise<{ id: string; created_at: string }[]>;
}
