/** Request schemas of os-quota-sets (nova/api/openstack/compute/schemas/quota_sets.py). */
import { type Static, type TProperties, Type } from 'typebox';
import { boolean, integerOrDigits } from './parameter-types.ts';
import type { QuerySpec } from './query.ts';

/** A limit: an integer (or a string of one) from -1 (unlimited) to MAX_INT, range checked in code. */
const commonQuota = integerOrDigits('^-?[0-9]+$');

const quota = Type.Optional(commonQuota);

/** What an update may name before 2.36 (networks is accepted only to be refused with Nova's message), and force. */
const quotaSetV21 = {
  instances: quota,
  cores: quota,
  ram: quota,
  floating_ips: quota,
  fixed_ips: quota,
  metadata_items: quota,
  key_pairs: quota,
  security_groups: quota,
  security_group_rules: quota,
  injected_files: quota,
  injected_file_content_bytes: quota,
  injected_file_path_bytes: quota,
  server_groups: quota,
  server_group_members: quota,
  networks: quota,
  force: Type.Optional(boolean),
};
/** 2.36: no network resources. */
const { fixed_ips: _fixed, floating_ips: _floating, security_groups: _groups, security_group_rules: _rules, networks: _networks, ...quotaSetV236 } = quotaSetV21;
/** 2.57: no injected files either. */
const { injected_files: _files, injected_file_content_bytes: _content, injected_file_path_bytes: _path, ...quotaSetV257 } = quotaSetV236;

const updateSchema = <P extends TProperties>(quotaSet: P) => Type.Object({ quota_set: Type.Object(quotaSet, { additionalProperties: false }) }, { additionalProperties: false });

/** PUT /os-quota-sets/{project_id}, 2.1–2.35. */
export const update = updateSchema(quotaSetV21);
/** 2.36–2.56: no network resources. */
export const updateV236 = updateSchema(quotaSetV236);
/** From 2.57: no injected files either. */
export const updateV257 = updateSchema(quotaSetV257);

/** An update body at any microversion (the later ones name fewer resources). */
export type UpdateBody = Static<typeof update>;

/** ?user_id= on show, detail, update and delete (unknown parameters are a 400 from 2.75). */
export const query: QuerySpec = { user_id: {} };
