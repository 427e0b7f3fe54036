/**
 * The query schemas of GET /servers and /servers/detail
 * (schemas/servers.py query_params_v21 … v275): every parameter a list of
 * strings; the regex ones must compile, changes-since/changes-before must
 * be ISO 8601, sort_key one of the valid keys. Unknown parameters are
 * dropped before 2.75 and a 400 from 2.75; names starting with '_' are kept
 * (the handler refuses them).
 */
import { atLeast, type Microversion } from '../../microversion.ts';
import { PAGINATION, type ParamSpec, type Query, type QuerySpec, validateQuery } from './query.ts';

const plain: ParamSpec = {};
const regex: ParamSpec = { kind: 'regex' };
const dateTime: ParamSpec = { kind: 'dateTime' };

/** Sort keys that are accepted but ignored (SERVER_LIST_IGNORE_SORT_KEY). */
export const IGNORED_SORT_KEYS = [
  'architecture',
  'cell_name',
  'cleaned',
  'default_ephemeral_device',
  'default_swap_device',
  'deleted',
  'deleted_at',
  'disable_terminate',
  'ephemeral_gb',
  'ephemeral_key_uuid',
  'id',
  'key_data',
  'launched_on',
  'locked',
  'memory_mb',
  'os_type',
  'reservation_id',
  'root_gb',
  'shutdown_terminate',
  'user_data',
  'vcpus',
  'vm_mode',
] as const;

/** The sort keys that sort (VALID_SORT_KEYS less the ignored ones), in Nova's order. */
export const SORT_KEYS = [
  'access_ip_v4',
  'access_ip_v6',
  'auto_disk_config',
  'availability_zone',
  'config_drive',
  'created_at',
  'display_description',
  'display_name',
  'host',
  'hostname',
  'image_ref',
  'instance_type_id',
  'kernel_id',
  'key_name',
  'launch_index',
  'launched_at',
  'locked_by',
  'node',
  'power_state',
  'progress',
  'project_id',
  'ramdisk_id',
  'root_device_name',
  'task_state',
  'terminated_at',
  'updated_at',
  'user_id',
  'uuid',
  'vm_state',
] as const;

/** The ignored sort keys at a microversion: from 2.73 locked sorts; from 2.75 none is accepted any more. */
export function ignoredSortKeys(v: Microversion): readonly string[] {
  if (atLeast(v, '2.75')) return [];
  return atLeast(v, '2.73') ? IGNORED_SORT_KEYS.filter((k) => k !== 'locked') : IGNORED_SORT_KEYS;
}

function sortKeyEnum(v: Microversion): readonly string[] {
  if (atLeast(v, '2.73')) return ['locked', ...SORT_KEYS, ...ignoredSortKeys(v)];
  return [...SORT_KEYS, ...IGNORED_SORT_KEYS];
}

/** JOINED_TABLE_QUERY_PARAMS_SERVERS: accepted by the schema, refused by the handler. */
export const JOINED_TABLE_PARAMS = ['block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices'] as const;

const V21: QuerySpec = {
  user_id: plain,
  project_id: plain,
  tenant_id: plain,
  launch_index: plain,
  image_ref: plain,
  image: plain,
  kernel_id: regex,
  ramdisk_id: regex,
  hostname: regex,
  key_name: regex,
  power_state: regex,
  vm_state: plain,
  task_state: plain,
  host: plain,
  node: regex,
  flavor: regex,
  reservation_id: regex,
  launched_at: regex,
  terminated_at: regex,
  availability_zone: regex,
  name: regex,
  display_name: regex,
  description: regex,
  display_description: regex,
  locked_by: regex,
  uuid: plain,
  root_device_name: regex,
  config_drive: regex,
  access_ip_v4: regex,
  access_ip_v6: regex,
  auto_disk_config: regex,
  progress: regex,
  sort_dir: plain,
  all_tenants: plain,
  soft_deleted: plain,
  deleted: plain,
  status: plain,
  'changes-since': dateTime,
  ip: regex,
  ip6: regex,
  created_at: regex,
  ...Object.fromEntries(JOINED_TABLE_PARAMS.map((p) => [p, plain])),
  ...PAGINATION,
};

function specFor(v: Microversion): QuerySpec {
  const spec: Record<string, ParamSpec> = { ...V21, sort_key: { enum: sortKeyEnum(v) } };
  if (atLeast(v, '2.26')) Object.assign(spec, { tags: regex, 'tags-any': regex, 'not-tags': regex, 'not-tags-any': regex });
  if (atLeast(v, '2.66')) spec['changes-before'] = dateTime;
  if (atLeast(v, '2.73')) spec.locked = plain;
  return spec;
}

/** The query as the schema of the microversion leaves it (400 with Nova's message when it refuses it). */
export function serverListQuery(query: Query, v: Microversion): Query {
  return validateQuery(query, specFor(v), atLeast(v, '2.75'), /^_/);
}
