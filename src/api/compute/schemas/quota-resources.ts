/** quota_sets.quota_resources: the properties both os-quota-sets and os-quota-class-sets accept, per microversion. */
import { Type } from 'typebox';
import { integerOrDigits } from './parameter-types.ts';

/** A limit: an integer (or a string of one) from -1 (unlimited) to MAX_INT, range checked in code. */
const quota = Type.Optional(integerOrDigits('^-?[0-9]+$'));

/** Every resource, nova-network's included (quota sets refuse networks with Nova's message). */
export const quotaResources = {
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

/** Without nova-network's resources (quota sets from 2.36, quota classes from 2.50). */
export const {
  fixed_ips: _fixed,
  floating_ips: _floating,
  security_groups: _groups,
  security_group_rules: _rules,
  networks: _networks,
  ...quotaResourcesNoNetwork
} = quotaResources;

/** Without injected files either (2.57). */
export const { injected_files: _files, injected_file_content_bytes: _content, injected_file_path_bytes: _path, ...quotaResourcesNoFiles } = quotaResourcesNoNetwork;
