/**
 * The RPC API between nova-network and its dataplane agents (as Neutron's
 * agents talk to neutron-server over the bus, topic `q-plugin`): an agent
 * reports in (`report_state`, its heartbeat) and reads what its host should
 * carry (`sync_state`, the whole state every `[agent] polling_interval`;
 * answered `unchanged` when the revision it names is still current). No
 * database types here: nova-network-agent loads this and rpcapi.ts only.
 */
import type { RequestContext } from '../context.ts';
import type { ArgsOf, RpcKinds } from '../rpc/api.ts';

/** The topic nova-network serves for its agents (Neutron's plugin topic). */
export const NETWORK_PLUGIN_TOPIC = 'q-plugin';
export const NETWORK_PLUGIN_RPC_VERSION = '1.0';

/** Neutron's agent types. */
export const AGENT_TYPES = { bridge: 'Linux bridge agent', dhcp: 'DHCP agent', l3: 'L3 agent' } as const;
export type AgentRole = keyof typeof AGENT_TYPES;

/** One agent's report (neutron's agent_state). */
export interface AgentReport {
  readonly agent_type: string;
  readonly binary: string;
  readonly host: string;
  readonly topic: string;
  /** Agent-specific settings shown as `configurations` (the bridge agent's `tunneling_ip`, its `devices`). */
  readonly configurations: Record<string, unknown>;
  readonly availability_zone?: string | null;
  /** True on the first report after the agent started (started_at is set). */
  readonly start_flag?: boolean;
}

export interface AgentFixedIp {
  readonly subnet_id: string;
  readonly ip_address: string;
}

export interface AgentNetwork {
  readonly id: string;
  readonly project_id: string;
  readonly network_type: string;
  readonly physical_network: string | null;
  readonly segmentation_id: number | null;
  readonly mtu: number;
  readonly admin_state_up: boolean;
  readonly external: boolean;
}

export interface AgentSubnet {
  readonly id: string;
  readonly network_id: string;
  readonly cidr: string;
  readonly ip_version: number;
  readonly gateway_ip: string | null;
  readonly enable_dhcp: boolean;
  readonly dns_nameservers: readonly string[];
  readonly host_routes: readonly { destination: string; nexthop: string }[];
}

export interface AgentPort {
  readonly id: string;
  readonly network_id: string;
  readonly mac_address: string;
  readonly fixed_ips: readonly AgentFixedIp[];
  readonly device_owner: string;
  readonly device_id: string;
  /** The port's project (the metadata proxy's X-Tenant-ID). */
  readonly project_id: string;
  /** binding:host_id ('' when unbound). */
  readonly host: string;
  readonly admin_state_up: boolean;
  readonly port_security_enabled: boolean;
  readonly security_groups: readonly string[];
  readonly allowed_address_pairs: readonly { ip_address: string; mac_address: string | null }[];
}

export interface AgentRule {
  readonly id: string;
  readonly security_group_id: string;
  readonly direction: 'ingress' | 'egress';
  readonly ethertype: 'IPv4' | 'IPv6';
  readonly protocol: string | null;
  readonly port_range_min: number | null;
  readonly port_range_max: number | null;
  readonly remote_ip_prefix: string | null;
  readonly remote_group_id: string | null;
}

export interface AgentRouter {
  readonly id: string;
  readonly admin_state_up: boolean;
  /** The external gateway: its network, SNAT, and the gateway port (among `ports`). */
  readonly gateway: { readonly network_id: string; readonly enable_snat: boolean; readonly port_id: string } | null;
}

export interface AgentFloatingIp {
  readonly id: string;
  readonly floating_ip_address: string;
  readonly fixed_ip_address: string | null;
  readonly port_id: string | null;
  readonly router_id: string | null;
}

/** What a host's agents build from: every network, subnet, port, rule, router and floating IP, and the other bridge agents' tunnel endpoints. */
export interface HostState {
  readonly revision: string;
  readonly networks: readonly AgentNetwork[];
  readonly subnets: readonly AgentSubnet[];
  readonly ports: readonly AgentPort[];
  readonly security_group_rules: readonly AgentRule[];
  readonly routers: readonly AgentRouter[];
  readonly floating_ips: readonly AgentFloatingIp[];
  /** Alive bridge agents with a tunnel endpoint (VXLAN flooding goes to each but this host's). */
  readonly tunnel_peers: readonly { readonly host: string; readonly local_ip: string }[];
}

export interface NetworkPluginAPI {
  /** Record an agent's heartbeat (creates its row on the first report). */
  report_state(ctx: RequestContext, args: { agent: AgentReport }): Promise<{ id: string; admin_state_up: boolean }>;
  /**
   * The state for `host`'s agents of `roles`. Before reading, a DHCP agent's
   * host gets a DHCP port (device_owner network:dhcp, bound to it) on every
   * network with a DHCP-enabled subnet, and an L3 agent's host the binding
   * of every unbound router port. `since`: the revision the agent holds;
   * when still current the answer is `{ unchanged: true, revision }`.
   */
  sync_state(ctx: RequestContext, args: { host: string; roles: readonly AgentRole[]; since?: string }): Promise<HostState | { unchanged: true; revision: string }>;
}

export const NETWORK_PLUGIN_METHODS = {
  report_state: 'call',
  sync_state: 'call',
} as const satisfies RpcKinds<NetworkPluginAPI>;

export type NetworkPluginArgs<K extends keyof NetworkPluginAPI> = ArgsOf<NetworkPluginAPI, K>;
