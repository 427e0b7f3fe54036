import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

/**
 * `[neutron_server]`: the network service (nova-network, a Neutron v2.0
 * subset on its own port). Option names follow neutron.conf where Neutron
 * has one (bind_host, bind_port, base_mac, global_physnet_mtu, the ML2
 * ranges, and the quota_* of its [quotas] group).
 */
export const neutronServerGroup = defineGroup('neutron_server', 'The network service (nova-network): a Neutron v2.0 subset on its own port.', {
  bind_host: strOpt({ default: '0.0.0.0', help: 'Address nova-network listens on.' }),
  bind_port: portOpt({ default: 9696, help: 'Port nova-network listens on (Neutron: 9696).' }),
  network_link_prefix: optionalStrOpt({
    help: "Base URL of the links in answers (the versions document, pagination links) instead of the request's host, for a proxy or load balancer in front of nova-network.",
  }),
  base_mac: strOpt({
    default: 'fa:16:3e:00:00:00',
    help: 'MAC addresses of ports start with the first three octets of this (the rest is random, unique per network), as Neutron generates them.',
  }),
  global_physnet_mtu: intOpt({
    default: 1500,
    min: 68,
    help: 'MTU of the physical networks. Flat and VLAN networks get it; VXLAN networks 50 bytes less (their encapsulation).',
  }),
  tenant_network_types: listOpt({
    default: ['vxlan'],
    choices: ['vxlan', 'vlan', 'flat'],
    help: 'Network types given to networks created without provider:network_type, tried in order (ML2 tenant_network_types).',
  }),
  vni_ranges: listOpt({ default: ['1:65535'], help: 'VXLAN network ids to allocate from, as <first>:<last> ranges (ML2 [ml2_type_vxlan] vni_ranges).' }),
  network_vlan_ranges: listOpt({
    default: [],
    help: 'Physical networks VLAN networks may use, as <physnet> or <physnet>:<first>:<last> (ML2 [ml2_type_vlan] network_vlan_ranges). Tenant VLAN networks are allocated from the ranges.',
  }),
  flat_networks: listOpt({ default: ['*'], help: "Physical networks flat networks may be created on ('*': any) (ML2 [ml2_type_flat] flat_networks)." }),
  availability_zones: listOpt({
    default: ['nova'],
    help: "Availability zones GET /v2.0/availability_zones reports for networks and routers (Neutron reports its agents' zones; an agent's default zone is nova).",
  }),
  agent_down_time: intOpt({
    default: 75,
    min: 1,
    help: 'Seconds after its last report an agent counts as down (alive false in GET /v2.0/agents; its tunnel endpoint is no longer given to the other agents). Twice [agent] report_interval at least (Neutron: agent_down_time).',
  }),
  dns_domain: strOpt({ default: 'openstacklocal', help: "Domain of the ports' DNS names (dns_assignment), as Neutron's dns_domain." }),
  notify_nova_on_port_data_changes: boolOpt({
    default: true,
    help: "Send nova's os-server-external-events a network-changed event when a compute port's fixed IPs or floating IPs change and network-vif-deleted when one is deleted, so that nova refreshes the server's addresses (Neutron's notify_nova_on_port_data_changes). The [nova] options say how nova is reached.",
  }),
  send_events_interval: intOpt({
    default: 2,
    min: 0,
    help: 'Seconds events for nova are gathered before they are sent in one request (0: at once) (Neutron: send_events_interval).',
  }),
  quota_network: intOpt({ default: 100, min: -1, help: 'Networks per project (-1: unlimited).' }),
  quota_subnet: intOpt({ default: 100, min: -1, help: 'Subnets per project (-1: unlimited).' }),
  quota_subnetpool: intOpt({ default: -1, min: -1, help: 'Subnet pools per project (-1: unlimited; subnet pools are not served).' }),
  quota_port: intOpt({ default: 500, min: -1, help: 'Ports per project (-1: unlimited).' }),
  quota_router: intOpt({ default: 10, min: -1, help: 'Routers per project (-1: unlimited).' }),
  quota_floatingip: intOpt({ default: 50, min: -1, help: 'Floating IPs per project (-1: unlimited).' }),
  quota_rbac_policy: intOpt({ default: 10, min: -1, help: 'RBAC policies per project (-1: unlimited; RBAC policies are not served).' }),
  quota_security_group: intOpt({ default: 10, min: -1, help: 'Security groups per project (-1: unlimited).' }),
  quota_security_group_rule: intOpt({ default: 100, min: -1, help: 'Security group rules per project (-1: unlimited).' }),
});

/**
 * `[nova]`: how the network service reaches nova's os-server-external-events
 * (neutron.conf's [nova] group: the keystoneauth password options, the
 * region and the catalog interface of the compute endpoint). Under
 * `[api] auth_strategy = noauth2` only `endpoint_override` says where nova
 * is; unset there, no events are sent.
 */
export const novaGroup = defineGroup('nova', "How the network service sends nova its events (os-server-external-events), as neutron.conf's [nova].", {
  auth_url: strOpt({ default: 'http://127.0.0.1:5000', help: 'The identity service of the [nova] user (with or without /v3).' }),
  username: strOpt({ default: 'nova', help: 'The user the network service acts as towards nova (os-server-external-events is for admins).' }),
  password: strOpt({ default: '', secret: true, help: "The [nova] user's password." }),
  project_name: strOpt({ default: 'service', help: 'The project the [nova] user scopes its token to.' }),
  user_domain_name: strOpt({ default: 'Default', help: "The [nova] user's domain." }),
  project_domain_name: strOpt({ default: 'Default', help: "The [nova] user's project domain." }),
  region_name: strOpt({ default: 'RegionOne', help: 'Region of the compute endpoint in the catalog.' }),
  endpoint_type: strOpt({ default: 'public', choices: ['public', 'internal', 'admin'], help: 'Catalog interface of the compute endpoint.' }),
  endpoint_override: optionalStrOpt({ help: "The Compute API URL (e.g. http://127.0.0.1:8774/v2.1), instead of the catalog's compute endpoint." }),
  timeout: intOpt({ default: 30, min: 1, help: 'Seconds to wait for nova to answer a batch of events.' }),
});
