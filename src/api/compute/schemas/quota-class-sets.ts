/** Request schemas of os-quota-class-sets (nova/api/openstack/compute/schemas/quota_classes.py). */
import { type Static, type TProperties, Type } from 'typebox';
import { integerOrDigits } from './parameter-types.ts';

const quota = Type.Optional(integerOrDigits('^-?[0-9]+$'));

/** quota_sets.quota_resources (no force): every resource, networks included, 2.1 – 2.49. */
const resourcesV21 = {
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
};
/** 2.50: no nova-network resources. */
const { fixed_ips: _fixed, floating_ips: _floating, security_groups: _groups, security_group_rules: _rules, networks: _networks, ...resourcesV250 } = resourcesV21;
/** 2.57: no injected files either. */
const { injected_files: _files, injected_file_content_bytes: _content, injected_file_path_bytes: _path, ...resourcesV257 } = resourcesV250;

const updateSchema = <P extends TProperties>(p: P) => Type.Object({ quota_class_set: Type.Object(p, { additionalProperties: false }) }, { additionalProperties: false });

/** PUT /os-quota-class-sets/{id}, 2.1 – 2.49. */
export const update = updateSchema(resourcesV21);
/** 2.50 – 2.56. */
export const updateV250 = updateSchema(resourcesV250);
/** From 2.57. */
export const updateV257 = updateSchema(resourcesV257);

export type UpdateBody = Static<typeof update>;
