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
