import { defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

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
