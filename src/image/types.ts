/** The image service's domain values (Glance's names and state machine). */

/** Glance's `[image_format] disk_formats` default (plus ploop). */
export const DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'] as const;
/** Glance's `[image_format] container_formats` default. */
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'] as const;
/** Who may see an image. */
export const VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
/** Glance's image statuses (this subset uses queued, saving, active, deleted). */
export const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'] as const;
/** A member project's answer to a share. */
export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;

export type Visibility = (typeof VISIBILITIES)[number];
export type ImageStatus = (typeof IMAGE_STATUSES)[number];
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** Status changes Glance allows (glance.domain.Image.valid_state_targets). */
export const VALID_TRANSITIONS: Readonly<Record<ImageStatus, readonly ImageStatus[]>> = {
  queued: ['saving', 'uploading', 'importing', 'active', 'deleted'],
  saving: ['active', 'killed', 'deleted', 'queued'],
  uploading: ['importing', 'queued', 'deleted'],
  importing: ['active', 'deleted', 'queued'],
  active: ['pending_delete', 'deleted', 'deactivated'],
  killed: ['deleted'],
  pending_delete: ['deleted', 'active'],
  deleted: [],
  deactivated: ['active', 'deleted'],
};

/** An image as the repository returns it. */
export interface ImageDTO {
  id: string;
  name: string | null;
  status: ImageStatus;
  visibility: Visibility;
  protected: boolean;
  os_hidden: boolean;
  checksum: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  owner: string | null;
  size: number | null;
  virtual_size: number | null;
  min_disk: number;
  min_ram: number;
  disk_format: string | null;
  container_format: string | null;
  /** `file:///…` of the data, null without data. Never shown to clients. */
  location: string | null;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  /** Custom properties (string values), in insertion order. */
  properties: Record<string, string>;
  tags: string[];
}

/** Base attributes a create or PATCH may set (besides custom properties and tags). */
export interface ImageAttributes {
  name?: string | null;
  visibility?: Visibility;
  protected?: boolean;
  os_hidden?: boolean;
  min_disk?: number;
  min_ram?: number;
  disk_format?: string | null;
  container_format?: string | null;
  owner?: string | null;
}

/** One membership of a shared image. */
export interface MemberDTO {
  image_id: string;
  member: string;
  status: MemberStatus;
  created_at: string;
  updated_at: string;
}
