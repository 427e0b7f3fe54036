/**
 * An instance's network information as Nova keeps it (nova/network/model.py:
 * a list of VIFs, each a port with its network, subnets and addresses) and
 * what the guest sees of it: `network_data.json` (nova/virt/netutils.py
 * get_network_metadata) and the addresses of the EC2 tree
 * (get_ec2_ip_info). Pure functions: the metadata service and the config
 * drive both call them.
 */
import { ipv6Groups, normalizeIpv6 } from '../util/ipv6.ts';

/** An address; a fixed one carries the floating addresses that map to it. */
export interface VifIp {
  readonly address: string;
  readonly version: 4 | 6;
  readonly type: 'fixed' | 'floating';
  readonly floating_ips?: readonly VifIp[];
}

/** A subnet of a VIF's network, with the VIF's addresses on it. */
export interface VifSubnet {
  readonly cidr: string;
  readonly version: 4 | 6;
  readonly gateway: { readonly address: string | null } | null;
  readonly ips: readonly VifIp[];
  readonly dns: readonly { readonly address: string }[];
  readonly routes: readonly { readonly cidr: string; readonly gateway: { readonly address: string } }[];
  /** dhcp_server (the address of the subnet's DHCP port), enable_dhcp, ipv6_address_mode. */
  readonly meta: { readonly dhcp_server?: string; readonly enable_dhcp?: boolean; readonly ipv6_address_mode?: string };
}

export interface VifNetwork {
  readonly id: string;
  readonly label: string;
  readonly subnets: readonly VifSubnet[];
  readonly meta: { readonly mtu?: number; readonly tenant_id?: string };
}

/** One virtual interface: a port (its id), its MAC and its binding's VIF type. */
export interface Vif {
  readonly id: string;
  /** The MAC address. */
  readonly address: string;
  /** The binding's VIF type (ovs, bridge, tap, …). */
  readonly type: string;
  /** The host's device name (tapXXXXXXXX-XX), or null. */
  readonly devname: string | null;
  readonly network: VifNetwork | null;
}

/** VIF types network_data.json names as they are; any other is 'phy' (model.LEGACY_EXPOSED_VIF_TYPES). */
const LEGACY_EXPOSED_VIF_TYPES = new Set(['bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap', 'vhostuser', 'vif']);

interface Cidr {
  /** The network address in text form. */
  network: string;
  netmask: string;
}

function ipv4Cidr(cidr: string): Cidr {
  const [addr = '', len = '32'] = cidr.split('/');
  const prefix = Number(len);
  const value = addr.split('.').reduce((a, o) => (a << 8) | (Number(o) & 255), 0) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const text = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  return { network: text((value & mask) >>> 0), netmask: text(mask) };
}

function ipv6Cidr(cidr: string): Cidr {
  const [addr = '', len = '128'] = cidr.split('/');
  const prefix = Number(len);
  const groups = ipv6Groups(addr) ?? [0, 0, 0, 0, 0, 0, 0, 0];
  const mask = groups.map((_, i) => {
    const bits = Math.max(0, Math.min(16, prefix - i * 16));
    return bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
  });
  const text = (g: number[]) => normalizeIpv6(g.map((x) => x.toString(16)).join(':'));
  return { network: text(groups.map((g, i) => g & (mask[i] ?? 0))), netmask: text(mask) };
}

const cidrOf = (cidr: string, version: 4 | 6): Cidr => (version === 4 ? ipv4Cidr(cidr) : ipv6Cidr(cidr));

function firstSubnet(network: VifNetwork, version: 4 | 6): VifSubnet | undefined {
  return network.subnets.find((s) => s.version === version);
}

function dnsServices(subnet: VifSubnet): { type: 'dns'; address: string }[] {
  return subnet.dns.map((d) => ({ type: 'dns', address: d.address }));
}

function ethLink(vif: Vif, network: VifNetwork, n: number): Record<string, unknown> {
  const dhcpServer = network.subnets.some((s) => s.meta.dhcp_server);
  return {
    id: vif.devname || `interface${n}`,
    vif_id: vif.id,
    type: LEGACY_EXPOSED_VIF_TYPES.has(vif.type) ? vif.type : 'phy',
    mtu: dhcpServer ? null : (network.meta.mtu ?? null),
    ethernet_mac_address: vif.address,
  };
}

function defaultRoute(subnet: VifSubnet): Record<string, string>[] {
  const gw = subnet.gateway?.address;
  if (!gw) return [];
  return [subnet.version === 4 ? { network: '0.0.0.0', netmask: '0.0.0.0', gateway: gw } : { network: '::', netmask: '::', gateway: gw }];
}

function netOf(vif: Vif, network: VifNetwork, subnet: VifSubnet, n: number, link: string): Record<string, unknown> {
  let type = '';
  if (subnet.meta.ipv6_address_mode !== undefined) type = `_${subnet.meta.ipv6_address_mode}`;
  else if (subnet.meta.dhcp_server !== undefined || subnet.meta.enable_dhcp) {
    return { id: `network${n}`, type: `ipv${subnet.version}_dhcp`, link, network_id: network.id };
  }
  const routes = defaultRoute(subnet);
  for (const r of subnet.routes) {
    const c = cidrOf(r.cidr, subnet.version);
    routes.push({ network: c.network, netmask: c.netmask, gateway: r.gateway.address });
  }
  return {
    id: `network${n}`,
    type: `ipv${subnet.version}${type}`,
    link,
    ip_address: subnet.ips[0]?.address,
    netmask: cidrOf(subnet.cidr, subnet.version).netmask,
    routes,
    network_id: vif.network?.id,
    services: dnsServices(subnet),
  };
}

/**
 * `network_data.json` of the VIFs (netutils.get_network_metadata): one
 * link per VIF with a subnet, a network for the first IPv4 and the first
 * IPv6 subnet of each that has an address, and the DNS servers; null
 * without VIFs (the service and the drive then write `{}`, as Nova does).
 */
export function networkMetadata(vifs: readonly Vif[]): { links: unknown[]; networks: unknown[]; services: unknown[] } | null {
  if (vifs.length === 0) return null;
  const links: Record<string, unknown>[] = [];
  const networks: unknown[] = [];
  const services: { type: string; address: string }[] = [];
  const addServices = (s: VifSubnet) => {
    for (const d of dnsServices(s)) if (!services.some((x) => x.address === d.address && x.type === d.type)) services.push(d);
  };
  let ifc = -1;
  let net = -1;
  for (const vif of vifs) {
    const network = vif.network;
    if (!network || network.subnets.length === 0) continue;
    const v4 = firstSubnet(network, 4);
    const v6 = firstSubnet(network, 6);
    ifc += 1;
    if (!v4 && !v6) continue;
    const link = ethLink(vif, network, ifc);
    links.push(link);
    for (const s of [v4, v6]) {
      if (!s || s.ips.length === 0) continue;
      net += 1;
      networks.push(netOf(vif, network, s, net, String(link.id)));
      addServices(s);
    }
  }
  return { links, networks, services };
}

/** The addresses of the EC2 tree (netutils.get_ec2_ip_info): fixed IPv4, fixed IPv6 and floating, in VIF order. */
export function ec2IpInfo(vifs: readonly Vif[]): { fixed_ips: string[]; fixed_ip6s: string[]; floating_ips: string[] } {
  const fixed = vifs.flatMap((v) => (v.network?.subnets ?? []).flatMap((s) => s.ips));
  return {
    fixed_ips: fixed.filter((ip) => ip.version === 4).map((ip) => ip.address),
    fixed_ip6s: fixed.filter((ip) => ip.version === 6).map((ip) => ip.address),
    floating_ips: fixed.flatMap((ip) => (ip.floating_ips ?? []).map((f) => f.address)),
  };
}
