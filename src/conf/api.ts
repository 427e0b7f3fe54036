import { boolOpt, defineGroup, intOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

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
  glance_link_prefix: optionalStrOpt({ help: 'Base URL of image links instead of the request host.' }),
  osapi_compute_listen: strOpt({ default: '0.0.0.0', help: 'Address nova-api listens on.' }),
  osapi_compute_listen_port: portOpt({ default: 8774, help: 'Port nova-api listens on.' }),
});
