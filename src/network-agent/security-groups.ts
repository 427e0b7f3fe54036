/**
 * Security groups on this host's ports, as Neutron's iptables firewall
 * driver applies them, in nftables. Bridged IPv4/IPv6 passes the `inet`
 * hooks (net.bridge.bridge-nf-call-iptables, set by the agent), where
 * conntrack works, but there a packet's bridge port is not known: a port's
 * chains are chosen by its MAC (`o-` for what it sends, `i-` for what it
 * is sent). The `bridge` family, which knows the tap a frame came in by but
 * has no conntrack, does the anti-spoofing: a port sends only from its MAC
 * and fixed IPs (or its allowed address pairs'), ARP included, so the MAC
 * of a frame in the `inet` table is the port's own.
 *
 * Each port chain: established/related accepted, invalid dropped, DHCP
 * (and IPv6 neighbour discovery) allowed, the rules of its groups, then
 * drop: no ingress without a rule. An accepted packet `return`s, so one
 * between two ports of this host passes both ports' chains. Ports without
 * port security, and Neutron's own (network:*), are not filtered. Both
 * tables (`nova-sg`) are written whole and replaced in one `nft -f`
 * transaction when they change, and removed when no port here is filtered.
 */
import type { AgentPort, AgentRule, HostState } from '../network/rpc-types.ts';
import { names, run } from './exec.ts';

export const SG_TABLE = 'nova-sg';

export interface SecurityGroupSettings {
  readonly host: string;
  readonly log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** Is a port filtered here: bound to this host, port security on, not one of Neutron's own. */
export function filtered(p: AgentPort, host: string): boolean {
  return p.host === host && p.port_security_enabled && !p.device_owner.startsWith('network:');
}

const isV6 = (a: string) => a.includes(':');
const chainId = (portId: string) => portId.slice(0, 11).replaceAll('-', '_');
const setName = (groupId: string, v6: boolean) => `g${v6 ? 6 : 4}_${groupId.replaceAll('-', '_')}`;

/** The addresses a port may send from (and is known by as a group member): fixed IPs and allowed address pairs. */
function addressesOf(p: AgentPort): string[] {
  return [...p.fixed_ips.map((f) => f.ip_address), ...p.allowed_address_pairs.map((a) => a.ip_address)];
}

const elements = (xs: readonly string[]) => `{ ${[...new Set(xs)].join(', ')} }`;

const PROTOCOLS: Record<string, string> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', sctp: 'sctp', '132': 'sctp', dccp: 'dccp', '33': 'dccp' };

/** One rule as nft statements (without the verdict); null when it cannot match (an IPv4 prefix in an IPv6 rule). */
export function ruleMatch(r: AgentRule, ingress: boolean): string | null {
  const v6 = r.ethertype === 'IPv6';
  const parts = [`meta nfproto ${v6 ? 'ipv6' : 'ipv4'}`];
  const fam = v6 ? 'ip6' : 'ip';
  if (r.remote_ip_prefix) {
    if (isV6(r.remote_ip_prefix) !== v6) return null;
    if (!/^[0-9a-fA-F.:]+(\/\d+)?$/.test(r.remote_ip_prefix)) return null;
    parts.push(`${fam} ${ingress ? 'saddr' : 'daddr'} ${r.remote_ip_prefix}`);
  }
  if (r.remote_group_id) parts.push(`${fam} ${ingress ? 'saddr' : 'daddr'} @${setName(r.remote_group_id, v6)}`);
  const proto = r.protocol?.toLowerCase() ?? null;
  if (proto === null || proto === 'any' || proto === '0') return parts.join(' ');
  const l4 = PROTOCOLS[proto];
  if (l4) {
    parts.push(`meta l4proto ${l4}`);
    const lo = r.port_range_min;
    const hi = r.port_range_max ?? lo;
    if (lo !== null && hi !== null) parts.push(`th dport ${lo === hi ? lo : `${lo}-${hi}`}`);
    return parts.join(' ');
  }
  if (['icmp', '1', 'icmpv6', 'ipv6-icmp', '58'].includes(proto)) {
    const icmp = v6 ? 'icmpv6' : 'icmp';
    parts.push(`meta l4proto ${v6 ? 'ipv6-icmp' : 'icmp'}`);
    if (r.port_range_min !== null) parts.push(`${icmp} type ${r.port_range_min}`);
    if (r.port_range_min !== null && r.port_range_max !== null) parts.push(`${icmp} code ${r.port_range_max}`);
    return parts.join(' ');
  }
  if (/^\d+$/.test(proto)) parts.push(`meta l4proto ${proto}`);
  else if (/^[a-z][a-z0-9-]*$/.test(proto)) parts.push(`meta l4proto ${proto}`);
  else return null;
  return parts.join(' ');
}

/** Neighbour discovery a port may send or be sent (router advertisements only to it). */
const ND_IN = 'icmpv6 type { nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-query, nd-redirect } return';
const ND_OUT = 'icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } return';

function portChains(p: AgentPort, rules: readonly AgentRule[]): string[] {
  const id = chainId(p.id);
  const mine = rules.filter((r) => p.security_groups.includes(r.security_group_id));
  const lines = (dir: 'ingress' | 'egress') =>
    mine
      .filter((r) => r.direction === dir)
      .map((r) => ruleMatch(r, dir === 'ingress'))
      .filter((m): m is string => m !== null)
      .map((m) => `    ${m} return`);
  return [
    `  chain i_${id} {`,
    '    ct state established,related return',
    '    ct state invalid drop',
    '    meta nfproto ipv4 udp sport 67 udp dport 68 return',
    `    ${ND_IN}`,
    ...lines('ingress'),
    '    drop',
    '  }',
    `  chain o_${id} {`,
    '    meta nfproto ipv4 udp sport 68 udp dport 67 return',
    '    meta nfproto ipv4 udp sport 67 udp dport 68 drop',
    '    icmpv6 type nd-router-advert drop',
    `    ${ND_OUT}`,
    '    ct state established,related return',
    '    ct state invalid drop',
    ...lines('egress'),
    '    drop',
    '  }',
  ];
}

/** What a port may send from: its MACs, and its IPv4/IPv6 sources (DHCP's 0.0.0.0, link-local and DAD's :: besides). */
function antiSpoofing(p: AgentPort): string[] {
  const tap = names.tap(p.id);
  const macs = elements([p.mac_address, ...p.allowed_address_pairs.map((a) => a.mac_address ?? p.mac_address)]);
  const addrs = addressesOf(p);
  const v4 = addrs.filter((a) => !isV6(a));
  const v6 = addrs.filter(isV6);
  return [
    `    iifname "${tap}" ether saddr != ${macs} drop`,
    `    iifname "${tap}" arp saddr ether != ${macs} drop`,
    v4.length ? `    iifname "${tap}" arp saddr ip != ${elements(v4)} drop` : `    iifname "${tap}" ether type arp drop`,
    `    iifname "${tap}" ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept`,
    v4.length ? `    iifname "${tap}" ip saddr != ${elements(v4)} drop` : `    iifname "${tap}" ether type ip drop`,
    `    iifname "${tap}" ip6 saddr != ${elements(['::', 'fe80::/10', ...v6])} drop`,
  ];
}

/** The nft script that replaces both tables (empty string: no port to filter, the tables go). */
export function securityGroupRuleset(state: HostState, host: string): string {
  const ports = state.ports.filter((p) => filtered(p, host)).sort((a, b) => a.id.localeCompare(b.id));
  if (!ports.length) return '';
  const groups = [...new Set(state.security_group_rules.filter((r) => r.remote_group_id).map((r) => r.remote_group_id as string))].sort();
  const sets = groups.flatMap((g) => {
    const members = state.ports.filter((p) => p.security_groups.includes(g)).flatMap(addressesOf);
    return [false, true].flatMap((v6) => {
      const xs = members.filter((a) => isV6(a) === v6);
      return [
        `  set ${setName(g, v6)} {`,
        `    type ${v6 ? 'ipv6_addr' : 'ipv4_addr'}`,
        '    flags interval',
        '    auto-merge',
        ...(xs.length ? [`    elements = ${elements(xs)}`] : []),
        '  }',
      ];
    });
  });
  const macMap = (dir: 'i' | 'o') => elements(ports.map((p) => `${p.mac_address} : jump ${dir}_${chainId(p.id)}`));
  return [
    `table inet ${SG_TABLE}`,
    `delete table inet ${SG_TABLE}`,
    `table inet ${SG_TABLE} {`,
    ...sets,
    ...ports.flatMap((p) => portChains(p, state.security_group_rules)),
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
    `    ether daddr vmap ${macMap('i')}`,
    `    ether saddr vmap ${macMap('o')}`,
    '  }',
    '}',
    `table bridge ${SG_TABLE}`,
    `delete table bridge ${SG_TABLE}`,
    `table bridge ${SG_TABLE} {`,
    '  chain prerouting {',
    '    type filter hook prerouting priority filter; policy accept;',
    ...ports.flatMap(antiSpoofing),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** The security group part of the bridge role: the tables rebuilt when the ruleset changes (always on the first sync). */
export function securityGroups(s: SecurityGroupSettings): { sync(state: HostState): Promise<void>; ports(): number } {
  let applied: string | null = null;
  let count = 0;
  return {
    async sync(state) {
      const text = securityGroupRuleset(state, s.host);
      count = state.ports.filter((p) => filtered(p, s.host)).length;
      if (text === applied) return;
      if (text) await run('nft', ['-f', '-'], { input: text });
      else await run('nft', ['-f', '-'], { input: ['inet', 'bridge'].map((f) => `table ${f} ${SG_TABLE}\ndelete table ${f} ${SG_TABLE}\n`).join('') });
      applied = text;
      s.log.info({ ports: count }, text ? 'security group rules applied' : 'security group rules removed');
    },
    ports: () => count,
  };
}
