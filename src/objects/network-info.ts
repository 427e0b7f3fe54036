/**
 * An instance's network information as Nova caches it
 * (nova.network.model.NetworkInfo in instance_info_caches.network_info):
 * one VIF per port, with its network, subnets, fixed IPs and the floating
 * IPs associated with them. Crosses the bus with the instance.
 */

export interface FloatingIpInfo {
  address: string;
  type: 'floating';
  version: 4 | 6;
}

export interface FixedIpInfo {
  address: string;
  type: 'fixed';
  version: 4 | 6;
  floating_ips: FloatingIpInfo[];
}

/** Nova's model.Subnet (the shape the metadata service's network_data.json reads). */
export interface SubnetInfo {
  cidr: string;
  version: 4 | 6;
  gateway: { address: string | null } | null;
  ips: FixedIpInfo[];
  dns: { address: string }[];
  routes: { cidr: string; gateway: { address: string } }[];
  meta: { dhcp_server?: string; enable_dhcp?: boolean; ipv6_address_mode?: string };
}

export interface VifInfo {
  /** The port id. */
  id: string;
  /** The port's MAC. */
  address: string;
  network: { id: string; label: string; subnets: SubnetInfo[]; meta: { mtu?: number; tenant_id?: string } };
  /** binding:vif_type. */
  type: string;
  devname: string;
  active: boolean;
  vnic_type: string;
  /** The port existed before nova used it (asked for by id): unbound, not deleted, when the server goes. */
  preserve_on_delete: boolean;
  /** The device tag asked for at boot or attach (2.32, 2.42+). */
  tag: string | null;
}

export type NetworkInfo = VifInfo[];

/**
 * One network request of a boot (Nova's objects.NetworkRequest):
 * network_id 'auto' or 'none' for the 2.37 keywords.
 */
export interface RequestedNetwork {
  network_id: string | null;
  port_id: string | null;
  address: string | null;
  tag: string | null;
}
