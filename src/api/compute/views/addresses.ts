/**
 * A server's addresses, from its network info (Nova's
 * common.get_networks_for_instance over the instance's info cache), as
 * views/addresses.py renders them, and the fixed IPs the `ip`/`ip6` list
 * filters match. Access IPs are not addresses.
 */
import type { InstanceDTO } from '../../../objects/instance.ts';

/** One address on a network: fixed or floating, with its port's MAC. */
export interface NetworkIp {
  readonly address: string;
  readonly version: 4 | 6;
  readonly type: 'fixed' | 'floating';
  readonly mac_address: string;
}

/** network label → its fixed and floating addresses. */
export type InstanceNetworks = ReadonlyMap<string, { readonly ips: readonly NetworkIp[]; readonly floating_ips: readonly NetworkIp[] }>;

/**
 * The instance's networks by label from its network info cache, in VIF
 * order (common.get_networks_for_instance): each fixed IP with the MAC of its
 * port, then the floating IPs associated with it.
 */
export function networksOf(instance: InstanceDTO): InstanceNetworks {
  const out = new Map<string, { ips: NetworkIp[]; floating_ips: NetworkIp[] }>();
  for (const vif of instance.network_info ?? []) {
    const label = vif.network?.label ?? '';
    let net = out.get(label);
    if (!net) {
      net = { ips: [], floating_ips: [] };
      out.set(label, net);
    }
    for (const subnet of vif.network?.subnets ?? []) {
      for (const ip of subnet.ips) {
        net.ips.push({ address: ip.address, version: ip.version, type: 'fixed', mac_address: vif.address });
        for (const f of ip.floating_ips ?? []) net.floating_ips.push({ address: f.address, version: f.version, type: 'floating', mac_address: vif.address });
      }
    }
  }
  return out;
}

/** The `addresses` of a server: {label: [{version, addr[, OS-EXT-IPS:type, OS-EXT-IPS-MAC:mac_addr]}]}; {} while it builds. */
export function addressesView(instance: InstanceDTO, extend: boolean): Record<string, Record<string, unknown>[]> {
  if (instance.vm_state === 'building') return {};
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [label, net] of networksOf(instance)) {
    out[label] = [...net.ips, ...net.floating_ips].map((ip) => {
      const a: Record<string, unknown> = { version: ip.version, addr: ip.address };
      if (extend) Object.assign(a, { 'OS-EXT-IPS:type': ip.type, 'OS-EXT-IPS-MAC:mac_addr': ip.mac_address });
      return a;
    });
  }
  return out;
}

/** The fixed IPs of an instance's ports (what compute.api._ip_filter looks at). */
export function fixedIps(instance: InstanceDTO): NetworkIp[] {
  return [...networksOf(instance).values()].flatMap((n) => n.ips.filter((ip) => ip.type === 'fixed'));
}

/** Python's re.match: the pattern must match at the start of the text. */
function pyMatch(pattern: string, text: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})`).test(text);
  } catch {
    return false;
  }
}

/**
 * compute.api._ip_filter: does one of the instance's fixed IPv4 addresses
 * match `ip`, or one of its IPv6 addresses match `ip6`? (An absent filter
 * is Python's str(None): it matches no address.)
 */
export function matchesIpFilter(instance: InstanceDTO, ip: string | undefined, ip6: string | undefined): boolean {
  return fixedIps(instance).some((a) => (a.version === 4 ? pyMatch(ip ?? 'None', a.address) : pyMatch(ip6 ?? 'None', a.address)));
}
