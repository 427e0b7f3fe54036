import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt } from './opt.ts';

/**
 * `[agent]`, `[vxlan]`, `[linux_bridge]`: nova-network-agent, the dataplane
 * agent on every compute host and on the network node. Names follow
 * neutron's linuxbridge_agent.ini, dhcp_agent.ini and l3_agent.ini.
 */
export const agentGroup = defineGroup('agent', 'nova-network-agent: which agents run on this host and how often they sync.', {
  roles: listOpt({
    default: ['bridge'],
    choices: ['bridge', 'dhcp', 'l3'],
    help: "What this host's agent does: bridge (Linux bridge agent: a bridge per network, VXLAN, security groups on the taps; every compute host), dhcp (DHCP agent: a qdhcp-<network> namespace with dnsmasq per network with DHCP), l3 (L3 agent: a qrouter-<router> namespace per router with SNAT and floating IPs). The network node runs all three; dhcp and l3 need bridge on the same host.",
  }),
  polling_interval: intOpt({
    default: 2,
    min: 1,
    help: "Seconds between two reads of the network service's state (the agents rebuild what differs, and everything after a restart).",
  }),
  report_interval: intOpt({ default: 30, min: 1, help: 'Seconds between two heartbeats to the network service ([neutron_server] agent_down_time must be larger).' }),
});

export const vxlanGroup = defineGroup('vxlan', 'VXLAN tunnels between the hosts of the bridge agents.', {
  enable_vxlan: boolOpt({ default: true, help: 'Build VXLAN networks (a vxlan-<vni> device on each network bridge); off: VXLAN networks are left alone.' }),
  local_ip: optionalStrOpt({
    help: "This host's tunnel endpoint address (unset: [DEFAULT] my_ip). The other agents flood unknown and broadcast traffic of each VXLAN network to it (unicast, one forwarding entry per peer).",
  }),
  udp_dstport: intOpt({ default: 4789, min: 1, max: 65535, help: 'UDP port of the VXLAN tunnels (IANA 4789), the same on every host.' }),
});

export const linuxBridgeGroup = defineGroup('linux_bridge', 'How flat and VLAN networks reach the physical network.', {
  physical_interface_mappings: listOpt({
    default: [],
    help: "<physical_network>:<interface> pairs: a flat network's bridge takes the interface itself, a VLAN network's its <interface>.<vlan id> subinterface (e.g. 'physnet1:eth1'). Networks on unmapped physical networks are not built here.",
  }),
});
