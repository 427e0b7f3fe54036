import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/** `[api]` and the listen options of nova-api. */
export const apiGroup = defineGroup('api', 'The Compute REST API (nova-api).', {
  auth_strategy: strOpt({
    default: 'keystone',
    choices: ['noauth2', 'keystone'],
    help: "How requests are authenticated. noauth2: the X-Auth-Token 'user:project' is trusted (a user name containing 'admin' is an administrator); for tests and development only. keystone: tokens are validated by the identity service.",
  }),
  max_limit: intOpt({ default: 1000, min: 1, help: 'The largest page a list request returns.' }),
  compute_link_prefix: optionalStrOpt({
    help: 'Base URL put in links instead of the request host (for a proxy in front of nova-api).',
  }),
  enable_instance_password: boolOpt({
    default: true,
    help: 'Whether create, rebuild, evacuate (before 2.14) and rescue answer with the admin password they set (adminPass).',
  }),
  settle_ms: intOpt({
    default: 300,
    min: 0,
    help: "Milliseconds nova-api waits, at most, for a server create (every instance out of BUILD), delete (the server gone, or soft-deleted) or server action (task_state back to none, or an error) to complete before it answers, so that a client's first poll (openstack --wait polls every 5 seconds) already sees the result. The status codes and bodies stay Nova's; an operation slower than this is answered when the time is up, as if it had not been waited for. 0: answer at once, as Nova does.",
  }),
  glance_link_prefix: optionalStrOpt({ help: 'Base URL of image links instead of the request host.' }),
  osapi_compute_listen: strOpt({ default: '0.0.0.0', help: 'Address nova-api listens on.' }),
  osapi_compute_listen_port: portOpt({ default: 8774, help: 'Port nova-api listens on.' }),
  metadata_listen: strOpt({ default: '0.0.0.0', help: "Address nova-api-metadata (the metadata service guests ask, through the network service's metadata proxy) listens on." }),
  metadata_listen_port: portOpt({ default: 8775, help: 'Port nova-api-metadata listens on.' }),
  use_forwarded_for: boolOpt({
    default: false,
    help: "Without [neutron] service_metadata_proxy: find the instance by the first address of X-Forwarded-For instead of the connection's address, for a trusted proxy in front of nova-api-metadata (a guest could otherwise claim another's address).",
  }),
  metadata_cache_expiration: intOpt({
    default: 15,
    min: 0,
    help: "Seconds nova-api-metadata keeps an instance's metadata before reading it again (0: no caching). Longer is lighter on the database under load, but changes (metadata, a cleared password) reach the guest later.",
  }),
  vendordata_providers: listOpt({
    default: ['StaticJSON'],
    choices: ['StaticJSON'],
    help: 'Vendor data providers, in order. StaticJSON serves the JSON file in vendordata_jsonfile_path as vendor_data.json and as "static" in vendor_data2.json. Nova\'s DynamicJSON (REST targets) is not provided. Related options: vendordata_jsonfile_path.',
  }),
  vendordata_jsonfile_path: optionalStrOpt({
    help: 'A JSON file whose object the StaticJSON vendor data provider serves (to the metadata service and config drives); none: {}. Read when the service starts (and when a config drive is built); a missing or malformed file is an error.',
  }),
  dhcp_domain: strOpt({
    default: 'novalocal',
    help: "Domain appended to an instance's hostname in its metadata (meta_data.json, the EC2 hostname fields, the config drive): vm1 becomes vm1.novalocal. Empty: the hostname alone.",
  }),
});
