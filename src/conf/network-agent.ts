import { boolOpt, defineGroup, intOpt, listOpt, optionalStrOpt, portOpt, strOpt } from './opt.ts';

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

/**
 * `[DEFAULT]` options of the DHCP role's metadata proxy, as neutron's
 * dhcp_agent.ini and metadata_agent.ini name them (spread into the DEFAULT
 * group). The signing secret is `[neutron] metadata_proxy_shared_secret`,
 * the one nova-api-metadata checks.
 */
export const metadataAgentOptions = {
  enable_isolated_metadata: boolOpt({
    default: true,
    help: "The DHCP role serves the metadata service on each of its networks: 169.254.169.254 on the qdhcp namespace's port, a route to it by the DHCP port's address pushed by DHCP (classless static routes, with the default route by the gateway), and a proxy there (nova-ns-metadata-proxy) passing the guest's requests to this agent, which names the instance and its project, signs them and sends them to nova_metadata_host. Unlike Neutron (true: only networks without a router), every network: the L3 role has no metadata proxy of its own. Our default is true (Neutron's is false). Related options: nova_metadata_host, nova_metadata_port, [neutron] metadata_proxy_shared_secret.",
  }),
  nova_metadata_host: strOpt({ default: '127.0.0.1', help: "Where nova-api-metadata listens, for the metadata requests the DHCP role proxies (neutron's metadata agent option)." }),
  nova_metadata_port: portOpt({ default: 8775, help: "nova-api-metadata's port ([api] metadata_listen_port there)." }),
  metadata_proxy_socket: strOpt({
    default: '$state_path/metadata_proxy',
    help: "The unix socket the namespaces' metadata proxies reach this agent by (neutron's metadata agent option).",
  }),
};
