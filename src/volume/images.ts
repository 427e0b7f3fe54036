/**
 * What the volume service asks of the image service (Cinder's
 * cinder.image.glance), as the caller: an image's metadata, its bytes to a
 * local file (create from an image), a new image and its bytes from a local
 * file (os-volume_upload_image). Wired from [glance] by the daemon.
 */
import type { RequestContext } from '../context.ts';

export interface ImageInfo {
  readonly id: string;
  readonly name: string | null;
  readonly status: string;
  readonly size: number | null;
  readonly disk_format: string | null;
  readonly container_format: string | null;
  readonly min_disk: number;
  readonly min_ram: number;
  readonly checksum: string | null;
  /** Custom properties, as strings. */
  readonly properties: Readonly<Record<string, string>>;
}

export interface NewImage {
  readonly name: string;
  readonly disk_format: string;
  readonly container_format: string;
  readonly visibility?: string;
  readonly protected?: boolean;
  readonly properties?: Readonly<Record<string, string>>;
}

export interface VolumeImages {
  /** The image, or null when it does not exist or the caller may not see it. */
  show(ctx: RequestContext, imageId: string): Promise<ImageInfo | null>;
  /** The image's bytes into `dest`. */
  download(ctx: RequestContext, imageId: string, dest: string): Promise<void>;
  /** A queued image. */
  create(ctx: RequestContext, image: NewImage): Promise<ImageInfo>;
  /** The bytes of `src` as the image's data. */
  upload(ctx: RequestContext, imageId: string, src: string): Promise<void>;
}
