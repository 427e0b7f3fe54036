/**
 * IP addresses and networks as integers (bigint, so IPv6 works the same as
 * IPv4), in the canonical text netaddr gives Neutron: dotted quads, and
 * IPv6 as inet_ntop writes it (util/ipv6.ts).
 */
import { ipv6Groups, normalizeIpv6 } from '../util/ipv6.ts';

export type IpVersion = 4 | 6;

/** One address. */
export interface Ip {
  readonly version: IpVersion;
  readonly value: bigint;
}

/** One network: its first address and prefix length. */
export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits zero). */
  readonly network: bigint;
  readonly prefix: number;
}

const bits = (v: IpVersion): number => (v === 4 ? 32 : 128);

/** A dotted quad (four decimal octets, no leading zeros beyond a single 0), or null. */
function parseIpv4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** Parse an address (IPv4 or IPv6); null when it is not one. */
export function parseIp(text: unknown): Ip | null {
  if (typeof text !== 'string' || text.trim() !== text || text === '') return null;
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  if (!text.includes(':')) return null;
  const groups = ipv6Groups(text);
  if (!groups) return null;
  return { version: 6, value: groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) };
}

/** The canonical text of an address. */
export function formatIp(ip: Ip): string {
  if (ip.version === 4) {
    const v = ip.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join('.');
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  return normalizeIpv6(groups.join(':'));
}

/** An address's canonical text, or the input unchanged when it is not an address. */
export function canonicalIp(text: string): string {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : text;
}

/**
 * Parse `addr/prefix` (a bare address is a host route). `strict`: the host
 * bits must be zero, as Neutron's subnet validator wants for a subnet cidr.
 */
export function parseCidr(text: unknown, opts: { strict?: boolean; requirePrefix?: boolean } = {}): Cidr | null {
  if (typeof text !== 'string') return null;
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return null;
  if (len === undefined && opts.requirePrefix) return null;
  const ip = parseIp(addr);
  if (!ip) return null;
  const max = bits(ip.version);
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const prefix = len === undefined ? max : Number(len);
  if (prefix > max) return null;
  const network = ip.value & netmask(ip.version, prefix);
  if (opts.strict && network !== ip.value) return null;
  return { version: ip.version, network, prefix };
}

/** The netmask of a prefix length as an integer. */
export function netmask(version: IpVersion, prefix: number): bigint {
  const b = BigInt(bits(version));
  const all = (1n << b) - 1n;
  return prefix === 0 ? 0n : (all << (b - BigInt(prefix))) & all;
}

/** The canonical `network/prefix` text. */
export function formatCidr(c: Cidr): string {
  return `${formatIp({ version: c.version, value: c.network })}/${c.prefix}`;
}

/** The last address of a network. */
export function lastAddress(c: Cidr): bigint {
  return c.network | (~netmask(c.version, c.prefix) & ((1n << BigInt(bits(c.version))) - 1n));
}

/** Is the address inside the network? */
export function contains(c: Cidr, ip: Ip): boolean {
  return c.version === ip.version && ip.value >= c.network && ip.value <= lastAddress(c);
}

/** Do two networks share any address? */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.version === b.version && a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

/** How many addresses the network holds. */
export function size(c: Cidr): bigint {
  return lastAddress(c) - c.network + 1n;
}

/** An inclusive address range, e.g. an allocation pool. */
export interface IpRange {
  readonly version: IpVersion;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * Neutron's default allocation pools (ipam_utils.generate_pools): the cidr
 * without its first address, without the last for IPv4 (broadcast), and
 * without the gateway; a single-address cidr is its own pool, a /31 has none.
 */
export function defaultPools(c: Cidr, gateway: bigint | null): IpRange[] {
  const start = c.network;
  const end = lastAddress(c);
  if (start === end) return [{ version: c.version, first: start, last: end }];
  const first = start + 1n;
  const last = end - (c.version === 4 ? 1n : 0n);
  if (first >= last) return [];
  const ranges: IpRange[] = [];
  if (gateway === null || gateway < first || gateway > last) return [{ version: c.version, first, last }];
  if (gateway > first) ranges.push({ version: c.version, first, last: gateway - 1n });
  if (gateway < last) ranges.push({ version: c.version, first: gateway + 1n, last });
  return ranges;
}

/** An allocation pool as the API shows it. */
export function formatRange(r: IpRange): { start: string; end: string } {
  return { start: formatIp({ version: r.version, value: r.first }), end: formatIp({ version: r.version, value: r.last }) };
}
