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
  memory_total: number | null;
  memory_processed: number | null;
  memory_remaining: number | null;
  disk_total: number | null;
  disk_processed: number | null;
  disk_remaining: number | null;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}

/** What a migration's progress and outcome change. */
export type MigrationUpdate = Partial<
  Pick<
    MigrationDTO,
    | 'status'
    | 'dest_compute'
    | 'dest_node'
    | 'dest_host'
    | 'source_compute'
    | 'source_node'
    | 'memory_total'
    | 'memory_processed'
    | 'memory_remaining'
    | 'disk_total'
    | 'disk_processed'
    | 'disk_remaining'
  >
>;

/**
 * Statuses after which a migration holds nothing any more. An evacuation
 * that is `done` still holds its source's claim until the source host
 * cleans up (then it is `completed`).
 */
export const MIGRATION_DONE_STATUSES: readonly string[] = ['confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled'];
