import { defineGroup, intOpt } from './opt.ts';

const UNLIMITED = 'A positive integer or 0; -1 disables the quota.';

/** `[quota]`: the default quota limits of every project (overridden per project with os-quota-sets). */
export const quotaGroup = defineGroup('quota', 'Default quota limits; a project without its own limits (PUT /os-quota-sets/{project_id}) gets these.', {
  instances: intOpt({ default: 10, min: -1, help: `The number of instances allowed per project. ${UNLIMITED}` }),
  cores: intOpt({ default: 20, min: -1, help: `The number of instance cores or vCPUs allowed per project. ${UNLIMITED}` }),
  ram: intOpt({ default: 50 * 1024, min: -1, help: `The number of megabytes of instance RAM allowed per project. ${UNLIMITED}` }),
  metadata_items: intOpt({
    default: 128,
    min: -1,
    help: `The number of metadata items allowed per instance. Users can associate metadata (key-value pairs) with an instance when it is created. ${UNLIMITED}`,
  }),
  injected_files: intOpt({
    default: 5,
    min: -1,
    help: `The number of injected files allowed. File injection lets users customize the personality of an instance by injecting data into it upon boot. ${UNLIMITED}`,
  }),
  injected_file_content_bytes: intOpt({ default: 10 * 1024, min: -1, help: `The number of bytes allowed per injected file. ${UNLIMITED}` }),
  injected_file_path_length: intOpt({ default: 255, min: -1, help: `The maximum allowed injected file path length. ${UNLIMITED}` }),
  key_pairs: intOpt({
    default: 100,
    min: -1,
    help: `The maximum number of key pairs allowed per user. Users can create at least one key pair for each project and use the key pair for multiple instances that belong to that project. ${UNLIMITED}`,
  }),
  server_groups: intOpt({
    default: 10,
    min: -1,
    help: `The maximum number of server groups per project. Server groups control the affinity and anti-affinity scheduling policy for a group of servers. ${UNLIMITED}`,
  }),
  server_group_members: intOpt({ default: 10, min: -1, help: `The maximum number of servers per server group. ${UNLIMITED}` }),
});
