/** Request schemas of os-quota-sets (nova/api/openstack/compute/schemas/quota_sets.py). */
import { type TSchema, Type } from 'typebox';
import { boolean, integerOrDigits } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';

/** A limit: an integer (or a string of one) from -1 (unlimited) to MAX_INT, range checked in code. */
const commonQuota = integerOrDigits('^-?[0-9]+$');

/** Resources an update may name before 2.36 (networks is accepted only to be refused with Nova's message). */
export const UPDATABLE_V21 = [
  'instances',
  'cores',
  'ram',
  'floating_ips',
  'fixed_ips',
  'metadata_items',
  'key_pairs',
  'security_groups',
  'security_group_rules',
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
  'server_groups',
  'server_group_members',
  'networks',
] as const;

const REMOVED_236 = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules', 'networks'];
const REMOVED_257 = [...REMOVED_236, 'injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];

function updateSchema(removed: readonly string[]) {
  const props: Record<string, TSchema> = {};
  for (const r of UPDATABLE_V21) if (!removed.includes(r)) props[r] = Type.Optional(commonQuota);
  props.force = Type.Optional(boolean);
  return Type.Object({ quota_set: Type.Object(props, { additionalProperties: false }) }, { additionalProperties: false });
}

/** PUT /os-quota-sets/{project_id}, 2.1–2.35. */
export const update = updateSchema([]);
/** 2.36–2.56: no network resources. */
export const updateV236 = updateSchema(REMOVED_236);
/** From 2.57: no injected files either. */
export const updateV257 = updateSchema(REMOVED_257);

/** ?user_id= on show, detail, update and delete (unknown parameters are a 400 from 2.75). */
export const query: QuerySpec = { user_id: {} };
