import { boolOpt, defineGroup, intOpt, optionalStrOpt, strOpt } from './opt.ts';

/**
 * `[cinder]`: how nova (nova-api, nova-compute) reaches the volume service,
 * as Nova's nova/conf/cinder.py with the keystoneauth auth options of its
 * `[cinder]` service user. The endpoint is `endpoint_template` (with
 * `%(project_id)s` substituted) when set, else the catalog's entry that
 * `catalog_info` names in `os_region_name`. Without a password and an
 * endpoint_template (or under noauth2 without an endpoint_template) nova has
 * no volume service: the volume APIs answer as Nova's do when Cinder is not
 * there.
 */
export const cinderGroup = defineGroup('cinder', 'How nova talks to the volume service (Cinder v3 API).', {
  catalog_info: strOpt({
    default: 'volumev3::publicURL',
    help: 'Where the volume endpoint is in the catalog, as <service_type>:<service_name>:<interface> (publicURL, internalURL or adminURL; an empty service_name matches any). Related options: endpoint_template, os_region_name.',
  }),
  endpoint_template: optionalStrOpt({
    help: "The volume endpoint instead of the catalog, e.g. http://127.0.0.1:8776/v3/%(project_id)s (%(project_id)s is the caller's project). Under noauth2, unset means there is no volume service.",
  }),
  os_region_name: strOpt({ default: 'RegionOne', help: 'Region of the volume endpoint in the catalog.' }),
  http_retries: intOpt({ default: 3, min: 0, help: 'Extra attempts of a read that could not reach the volume service (connection error, 502/503/504).' }),
  cross_az_attach: boolOpt({
    default: true,
    help: "Allow attaching a volume of another availability zone than the instance's (false: the zones must match, Nova's InvalidVolume otherwise; a boot that creates a volume asks for the instance's zone).",
  }),
  debug: boolOpt({ default: false, help: 'Log every request to the volume service (method, path, status).' }),
  timeout: intOpt({ default: 60, min: 1, help: 'Seconds to wait for an answer of the volume service.' }),
  auth_type: strOpt({ default: 'password', choices: ['password'], help: 'How nova authenticates to the volume service for its own requests (only password).' }),
  auth_url: strOpt({ default: 'http://127.0.0.1:5000', help: 'The identity service of the [cinder] user (with or without /v3).' }),
  username: strOpt({
    default: 'cinder',
    help: 'The user nova acts as towards the volume service when no caller is there (deleting the volumes of a server being deleted, attachments at build).',
  }),
  password: strOpt({ default: '', secret: true, help: "The [cinder] user's password." }),
  project_name: strOpt({ default: 'service', help: 'The project the [cinder] user scopes its token to.' }),
  user_domain_name: strOpt({ default: 'Default', help: "The [cinder] user's domain." }),
  project_domain_name: strOpt({ default: 'Default', help: "The [cinder] user's project domain." }),
  volume_wait_seconds: intOpt({
    default: 180,
    min: 1,
    help: "Nova's [DEFAULT] block_device_allocate_retries × interval, in seconds: how long nova-compute waits for a volume it created for a boot (source image/blank/snapshot, destination volume) to become available.",
  }),
});
