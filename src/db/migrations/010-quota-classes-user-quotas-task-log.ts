import type { Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/**
 * quota_classes and project_user_quotas (Nova's API-database tables of
 * those names): limits per quota class (the `default` class overrides the
 * `[quota]` defaults, as Nova's DbQuotaDriver reads it) and per user within
 * a project. task_log (Nova's cell-database table): one row per periodic
 * audit task run per host and period, read by os-instance_usage_audit_log.
 */
export const quotaClassesUserQuotasTaskLog: NovaMigration = {
  name: '010_quota_classes_user_quotas_task_log',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const str = 'varchar(255)';
    await tableEnd(
      db.schema
        .createTable('quota_classes')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('class_name', str, (c) => c.notNull())
        .addColumn('resource', str, (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addUniqueConstraint('uniq_quota_classes0class_name0resource', ['class_name', 'resource']),
      dialect,
    ).execute();
    await tableEnd(
      db.schema
        .createTable('project_user_quotas')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('user_id', str, (c) => c.notNull())
        .addColumn('project_id', str, (c) => c.notNull())
        .addColumn('resource', str, (c) => c.notNull())
        .addColumn('hard_limit', 'integer', (c) => c.notNull())
        .addUniqueConstraint('uniq_project_user_quotas0user_id0project_id0resource', ['user_id', 'project_id', 'resource']),
      dialect,
    ).execute();
    await db.schema.createIndex('project_user_quotas_project_id_idx').ifNotExists().on('project_user_quotas').column('project_id').execute();
    await tableEnd(
      db.schema
        .createTable('task_log')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('created_at', t.datetime)
        .addColumn('updated_at', t.datetime)
        .addColumn('deleted_at', t.datetime)
        .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('task_name', str, (c) => c.notNull())
        .addColumn('state', str, (c) => c.notNull())
        .addColumn('host', str, (c) => c.notNull())
        .addColumn('period_beginning', t.datetime, (c) => c.notNull())
        .addColumn('period_ending', t.datetime, (c) => c.notNull())
        .addColumn('message', str, (c) => c.notNull())
        .addColumn('task_items', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('errors', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('uniq_task_log0task_name0host0period_beginning0period_ending', ['task_name', 'host', 'period_beginning', 'period_ending']),
      dialect,
    ).execute();
  },
};
