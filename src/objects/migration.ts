/** The kinds of move Nova records in the migrations table (MigrationType). */
export const MIGRATION_TYPES = ['migration', 'resize', 'live-migration', 'evacuation'] as const;

/** A migration (Nova's Migration object) as read from the database. Datetimes are naive UTC 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export interface MigrationDTO {
  id: number;
  uuid: string;
  instance_uuid: string;
  source_compute: string | null;
  dest_compute: string | null;
  source_node: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_instance_type_id: number | null;
  new_instance_type_id: number | null;
  status: string;
  migration_type: string;
  hidden: boolean;
  user_id: string | null;
  project_id: string | null;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}
