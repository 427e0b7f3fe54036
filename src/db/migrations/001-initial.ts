import type { CreateTableBuilder, Kysely } from 'kysely';
import type { Dialect } from '../connection.ts';
import { columnTypes, type NovaMigration, tableEnd } from './types.ts';

/** The initial schema: every table of the compute service. */
export const initial: NovaMigration = {
  name: '001_initial',
  async up(db: Kysely<unknown>, dialect: Dialect) {
    const t = columnTypes(dialect);
    const table = (name: string, build: (b: CreateTableBuilder<string, string>) => CreateTableBuilder<string, string>, soft = true) => {
      let b = db.schema
        .createTable(name)
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull()) as CreateTableBuilder<string, string>;
      b = b.addColumn('created_at', t.datetime).addColumn('updated_at', t.datetime);
      if (soft) b = b.addColumn('deleted_at', t.datetime).addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0));
      return tableEnd(build(b), dialect).execute();
    };
    const str = 'varchar(255)';

    await table('services', (b) =>
      b
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('host', str, (c) => c.notNull())
        .addColumn('binary', str, (c) => c.notNull())
        .addColumn('topic', str)
        .addColumn('report_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('disabled_reason', str)
        .addColumn('last_seen_up', t.datetime)
        .addColumn('forced_down', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
        .addUniqueConstraint('uniq_services0host0binary0deleted', ['host', 'binary', 'deleted'])
        .addUniqueConstraint('uniq_services0uuid', ['uuid']),
    );

    await table('compute_nodes', (b) =>
      b
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('service_id', 'integer')
        .addColumn('host', str, (c) => c.notNull())
        .addColumn('hypervisor_hostname', str, (c) => c.notNull())
        .addColumn('hypervisor_type', str, (c) => c.notNull())
        .addColumn('hypervisor_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cpu_info', t.longText, (c) => c.notNull())
        .addColumn('host_ip', str)
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('local_gb', 'integer', (c) => c.notNull())
        .addColumn('vcpus_used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('memory_mb_used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('local_gb_used', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('running_vms', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved_vcpus', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved_memory_mb', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved_disk_gb', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disk_available_least', 'integer')
        .addColumn('current_workload', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cpu_allocation_ratio', t.float, (c) => c.notNull())
        .addColumn('ram_allocation_ratio', t.float, (c) => c.notNull())
        .addColumn('disk_allocation_ratio', t.float, (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('stats', t.longText, (c) => c.notNull())
        .addUniqueConstraint('uniq_compute_nodes0host0hypervisor_hostname0deleted', ['host', 'hypervisor_hostname', 'deleted'])
        .addUniqueConstraint('uniq_compute_nodes0uuid', ['uuid']),
    );

    await tableEnd(
      db.schema
        .createTable('allocations')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement().notNull())
        .addColumn('consumer_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('compute_node_id', 'integer', (c) => c.notNull())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('disk_gb', 'integer', (c) => c.notNull())
        .addColumn('created_at', t.datetime, (c) => c.notNull())
        .addUniqueConstraint('uniq_allocations0consumer0node', ['consumer_uuid', 'compute_node_id']),
      dialect,
    ).execute();

    await table('instances', (b) =>
      b
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('user_id', str, (c) => c.notNull())
        .addColumn('project_id', str, (c) => c.notNull())
        .addColumn('image_ref', str, (c) => c.notNull().defaultTo(''))
        .addColumn('kernel_id', str, (c) => c.notNull().defaultTo(''))
        .addColumn('ramdisk_id', str, (c) => c.notNull().defaultTo(''))
        .addColumn('hostname', str)
        .addColumn('host', str)
        .addColumn('node', str)
        .addColumn('launch_index', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('key_name', str)
        .addColumn('key_data', t.longText)
        .addColumn('power_state', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('vm_state', str, (c) => c.notNull())
        .addColumn('task_state', str)
        .addColumn('memory_mb', 'integer', (c) => c.notNull())
        .addColumn('vcpus', 'integer', (c) => c.notNull())
        .addColumn('root_gb', 'integer', (c) => c.notNull())
        .addColumn('ephemeral_gb', 'integer', (c) => c.notNull())
        .addColumn('instance_type_id', 'integer', (c) => c.notNull())
        .addColumn('flavor', t.longText, (c) => c.notNull())
        .addColumn('display_name', str)
        .addColumn('display_description', t.longText)
        .addColumn('availability_zone', str)
        .addColumn('locked', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('locked_by', str)
        .addColumn('locked_reason', t.longText)
        .addColumn('reservation_id', str, (c) => c.notNull())
        .addColumn('launched_at', t.datetime)
        .addColumn('terminated_at', t.datetime)
        .addColumn('scheduled_at', t.datetime)
        .addColumn('user_data', t.longText)
        .addColumn('config_drive', str, (c) => c.notNull().defaultTo(''))
        .addColumn('access_ip_v4', str)
        .addColumn('access_ip_v6', str)
        .addColumn('progress', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('root_device_name', str)
        .addColumn('metadata', t.longText, (c) => c.notNull())
        .addColumn('system_metadata', t.longText, (c) => c.notNull())
        .addColumn('tags', t.longText, (c) => c.notNull())
        .addColumn('trusted_certs', t.longText)
        .addUniqueConstraint('uniq_instances0uuid', ['uuid']),
    );
    for (const [name, cols] of [
      ['instances_project_id_deleted_idx', ['project_id', 'deleted']],
      ['instances_host_deleted_idx', ['host', 'deleted']],
      ['instances_deleted_created_at_idx', ['deleted', 'created_at']],
      ['instances_updated_at_idx', ['updated_at']],
    ] as const) {
      await db.schema
        .createIndex(name)
        .ifNotExists()
        .on('instances')
        .columns([...cols])
        .execute();
    }

    await table('instance_faults', (b) =>
      b
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('code', 'integer', (c) => c.notNull())
        .addColumn('message', str, (c) => c.notNull())
        .addColumn('details', t.longText, (c) => c.notNull())
        .addColumn('host', str),
    );
    await db.schema.createIndex('instance_faults_instance_uuid_deleted_idx').ifNotExists().on('instance_faults').columns(['instance_uuid', 'deleted']).execute();

    await table('instance_actions', (b) =>
      b
        .addColumn('action', str, (c) => c.notNull())
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('request_id', str, (c) => c.notNull())
        .addColumn('user_id', str)
        .addColumn('project_id', str)
        .addColumn('start_time', t.datetime, (c) => c.notNull())
        .addColumn('finish_time', t.datetime)
        .addColumn('message', str),
    );
    await db.schema.createIndex('instance_actions_instance_uuid_idx').ifNotExists().on('instance_actions').columns(['instance_uuid', 'request_id']).execute();

    await table('instance_actions_events', (b) =>
      b
        .addColumn('event', str, (c) => c.notNull())
        .addColumn('action_id', 'integer', (c) => c.notNull())
        .addColumn('start_time', t.datetime, (c) => c.notNull())
        .addColumn('finish_time', t.datetime)
        .addColumn('result', str)
        .addColumn('traceback', t.longText)
        .addColumn('host', str)
        .addColumn('details', t.longText),
    );
    await db.schema.createIndex('instance_actions_events_action_id_idx').ifNotExists().on('instance_actions_events').column('action_id').execute();

    await table(
      'flavors',
      (b) =>
        b
          .addColumn('flavorid', str, (c) => c.notNull())
          .addColumn('name', str, (c) => c.notNull())
          .addColumn('memory_mb', 'integer', (c) => c.notNull())
          .addColumn('vcpus', 'integer', (c) => c.notNull())
          .addColumn('root_gb', 'integer', (c) => c.notNull())
          .addColumn('ephemeral_gb', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('swap', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('rxtx_factor', t.float, (c) => c.notNull().defaultTo(1))
          .addColumn('vcpu_weight', 'integer')
          .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
          .addColumn('is_public', 'boolean', (c) => c.notNull().defaultTo(true))
          .addColumn('description', t.longText)
          .addColumn('extra_specs', t.longText, (c) => c.notNull())
          .addUniqueConstraint('uniq_flavors0flavorid', ['flavorid'])
          .addUniqueConstraint('uniq_flavors0name', ['name']),
      false,
    );
    await table(
      'flavor_projects',
      (b) =>
        b
          .addColumn('flavor_id', 'integer', (c) => c.notNull())
          .addColumn('project_id', str, (c) => c.notNull())
          .addUniqueConstraint('uniq_flavor_projects0flavor_id0project_id', ['flavor_id', 'project_id']),
      false,
    );
    await table(
      'quotas',
      (b) =>
        b
          .addColumn('project_id', str, (c) => c.notNull())
          .addColumn('resource', str, (c) => c.notNull())
          .addColumn('hard_limit', 'integer', (c) => c.notNull())
          .addUniqueConstraint('uniq_quotas0project_id0resource', ['project_id', 'resource']),
      false,
    );
    await table('key_pairs', (b) =>
      b
        .addColumn('name', str, (c) => c.notNull())
        .addColumn('user_id', str, (c) => c.notNull())
        .addColumn('fingerprint', str, (c) => c.notNull())
        .addColumn('public_key', t.longText, (c) => c.notNull())
        .addColumn('type', str, (c) => c.notNull().defaultTo('ssh'))
        .addUniqueConstraint('uniq_key_pairs0user_id0name0deleted', ['user_id', 'name', 'deleted']),
    );
    await table('migrations', (b) =>
      b
        .addColumn('uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_compute', str)
        .addColumn('dest_compute', str)
        .addColumn('source_node', str)
        .addColumn('dest_node', str)
        .addColumn('dest_host', str)
        .addColumn('old_instance_type_id', 'integer')
        .addColumn('new_instance_type_id', 'integer')
        .addColumn('status', str, (c) => c.notNull())
        .addColumn('migration_type', str, (c) => c.notNull())
        .addColumn('hidden', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('user_id', str)
        .addColumn('project_id', str)
        .addUniqueConstraint('uniq_migrations0uuid', ['uuid']),
    );
  },
};
