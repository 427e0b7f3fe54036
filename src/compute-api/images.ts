/**
 * The image service as nova-api's image proxy sees it (nova.image.glance.API
 * for /images): images translated as Nova's _translate_from_glance does
 * (base attributes, custom properties apart), read and changed as the
 * caller. Implemented over the Glance v2 client in cmd/clients.ts.
 */
import type { RequestContext } from '../context.ts';

/** An image as nova-api's views read it. */
export interface ComputeImage {
  id: string;
  name: string | null;
  status: string;
  min_ram: number | null;
  min_disk: number | null;
  size: number | null;
  created_at: string | null;
  updated_at: string | null;
  /** Custom properties (instance_uuid, image_type, auto_disk_config…). */
  properties: Record<string, string>;
}

export interface ComputeImages {
  /** The image service's public URL (the `alternate` links), `[api] glance_link_prefix` or the first of `[glance] api_servers`. */
  readonly linkBase: string;
  /** ImageNotFound when it does not exist or the caller cannot see it. */
  show(ctx: RequestContext, imageId: string): Promise<ComputeImage>;
  /** GET /v2/images with these Glance parameters (every page, or `limit` images). */
  list(ctx: RequestContext, params: readonly (readonly [string, string])[], limit?: number): Promise<ComputeImage[]>;
  /** ImageNotFound, ImageNotAuthorized, ImageDeleteConflict. */
  delete(ctx: RequestContext, imageId: string): Promise<void>;
  /** Make the image's custom properties exactly these (Nova's update with purge_props). */
  setProperties(ctx: RequestContext, imageId: string, properties: Readonly<Record<string, string>>): Promise<ComputeImage>;
}
