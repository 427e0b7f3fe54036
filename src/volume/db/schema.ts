import type { Kysely } from 'kysely';
import type { Db } from '../../db/connection.ts';

/**
 * Row types of the volume service's tables, in the same database as Nova's
 * by default under their own migration table `volume_migrations`. Each
 * resource table keeps the columns the service looks rows up by and the
 * resource itself as a JSON document (`doc`). Datetimes are naive UTC
 * strings 'YYYY-MM-DD HH:MM:SS.ffffff'.
 */
export interface VolumeRow {
  id: string;
  project_id: string;
  /** A snapshot's or attachment's volume; null for volumes and types. */
  parent_id: string | null;
  /** The resource's status (volumes, snapshots: status; attachments: attach_status). */
  status: string;
  /** The resource as JSON. */
  doc: string;
  created_at: string;
  updated_at: string;
}

/** A project's limit for one resource (absent: the configured default). */
export interface VolumeQuotaRow {
  project_id: string;
  resource: string;
  limit: number;
}

export const VOLUME_TABLES = ['volumes', 'snapshots', 'volume_attachments', 'volume_types'] as const;
export type VolumeTable = (typeof VOLUME_TABLES)[number];

export type VolumeDatabase = { [T in VolumeTable]: VolumeRow } & { volume_quotas: VolumeQuotaRow };

/** The volume tables' query builder over a Nova database connection. */
export function volumeKysely(db: Db): Kysely<VolumeDatabase> {
  return db.kysely.withTables<VolumeDatabase>();
}
