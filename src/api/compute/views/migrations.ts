/** os-migrations entries as Nova's MigrationsController._output shapes them, per microversion. */
import type { MigrationDTO } from '../../../objects/migration.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { isoMicro, links } from './common.ts';

/** Live migrations in these states get links (to /servers/{id}/migrations/{id}). */
const LIVE_IN_PROGRESS = ['queued', 'preparing', 'running', 'post-migrating'];

/**
 * One migration: uuid from 2.59, migration_type from 2.23 (and links for a
 * live migration in progress), user_id and project_id from 2.80.
 */
export function migrationView(m: MigrationDTO, version: Microversion, baseUrl: string): Record<string, unknown> {
  const v: Record<string, unknown> = { id: m.id };
  if (atLeast(version, '2.59')) v.uuid = m.uuid;
  Object.assign(v, {
    source_compute: m.source_compute,
    dest_compute: m.dest_compute,
    source_node: m.source_node,
    dest_node: m.dest_node,
    dest_host: m.dest_host,
    old_instance_type_id: m.old_instance_type_id,
    new_instance_type_id: m.new_instance_type_id,
    instance_uuid: m.instance_uuid,
    status: m.status,
  });
  const withType = atLeast(version, '2.23');
  if (withType) v.migration_type = m.migration_type;
  if (atLeast(version, '2.80')) {
    v.user_id = m.user_id;
    v.project_id = m.project_id;
  }
  v.created_at = isoMicro(m.created_at);
  v.updated_at = isoMicro(m.updated_at);
  if (withType && m.migration_type === 'live-migration' && LIVE_IN_PROGRESS.includes(m.status)) {
    v.links = links(baseUrl, `servers/${m.instance_uuid}/migrations`, m.id);
  }
  return v;
}

/**
 * A live migration of one server (GET /servers/{id}/migrations[/{id}],
 * Nova's server_migrations.output): progress in bytes, uuid from 2.59,
 * user_id and project_id from 2.80.
 */
export function serverMigrationView(m: MigrationDTO, version: Microversion): Record<string, unknown> {
  const v: Record<string, unknown> = {
    created_at: isoMicro(m.created_at),
    dest_compute: m.dest_compute,
    dest_host: m.dest_host,
    dest_node: m.dest_node,
    disk_processed_bytes: m.disk_processed,
    disk_remaining_bytes: m.disk_remaining,
    disk_total_bytes: m.disk_total,
    id: m.id,
    memory_processed_bytes: m.memory_processed,
    memory_remaining_bytes: m.memory_remaining,
    memory_total_bytes: m.memory_total,
    server_uuid: m.instance_uuid,
    source_compute: m.source_compute,
    source_node: m.source_node,
    status: m.status,
    updated_at: isoMicro(m.updated_at),
  };
  if (atLeast(version, '2.59')) v.uuid = m.uuid;
  if (atLeast(version, '2.80')) {
    v.user_id = m.user_id;
    v.project_id = m.project_id;
  }
  return v;
}
