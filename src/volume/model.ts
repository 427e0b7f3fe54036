/**
 * The volume service's resources as stored (src/volume/db) and worked on:
 * volumes, snapshots, attachments and volume types, with Cinder's field
 * names (display_name → name, display_description → description).
 */

export interface VolumeDoc {
  id: string;
  project_id: string;
  user_id: string | null;
  name: string | null;
  description: string | null;
  /** GiB. */
  size: number;
  status: string;
  /** 'detached' | 'attached' (Cinder's attach_status). */
  attach_status: string;
  /** The status before an upload or a reset (previous_status). */
  previous_status?: string | null;
  availability_zone: string;
  bootable: boolean;
  readonly_flag?: boolean;
  volume_type_id: string;
  metadata: Record<string, string>;
  /** Glance metadata of a volume made from an image (volume_image_metadata). */
  image_metadata?: Record<string, string> | null;
  snapshot_id: string | null;
  source_volid: string | null;
  multiattach: boolean;
  migration_status: string | null;
  replication_status: string | null;
  host: string | null;
  /** The reason a volume went to error (internal, logged). */
  error?: string | null;
  created_at: string;
  updated_at: string;
}

export interface SnapshotDoc {
  id: string;
  project_id: string;
  user_id: string | null;
  volume_id: string;
  name: string | null;
  description: string | null;
  status: string;
  /** GiB: the volume's size when taken. */
  size: number;
  metadata: Record<string, string>;
  progress: string;
  created_at: string;
  updated_at: string;
}

export interface AttachmentDoc {
  id: string;
  project_id: string;
  volume_id: string;
  instance_uuid: string | null;
  /** reserved | attaching | attached | detached | error_attaching | error_detaching. */
  attach_status: string;
  attach_mode: 'rw' | 'ro' | 'null';
  connector: Record<string, unknown> | null;
  connection_info: Record<string, unknown> | null;
  attached_host: string | null;
  mountpoint: string | null;
  attach_time: string | null;
  detach_time: string | null;
  /** Made by the legacy os-attach flow (no attachment API). */
  legacy?: boolean;
  created_at: string;
  updated_at: string;
}

export interface VolumeTypeDoc {
  id: string;
  /** '' for public types. */
  project_id: string;
  name: string;
  description: string | null;
  is_public: boolean;
  extra_specs: Record<string, string>;
  /** The projects a private type is shared with (os-volume-type-access). */
  projects?: string[];
  created_at: string;
  updated_at: string;
}

export interface Docs {
  volumes: VolumeDoc;
  snapshots: SnapshotDoc;
  volume_attachments: AttachmentDoc;
  volume_types: VolumeTypeDoc;
}

/** Cinder's default volume type, which always exists. */
export const DEFAULT_TYPE_NAME = '__DEFAULT__';
/** Its id (Cinder generates one per deployment; one fixed id lets concurrent first starts agree). */
export const DEFAULT_TYPE_ID = 'c3a5b0d2-5f3e-4f7a-9d1e-defa017e0000';
