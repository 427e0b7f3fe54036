/**
 * neutron-lib's converters and validators (neutron_lib.api.converters and
 * .validators) for the attributes this service has, with their messages.
 * A converter throws InvalidInput; a validator returns the reason (null
 * when the value is fine), which the caller wraps in "Invalid input for
 * <attr>. Reason: <reason>."
 */
import { pyRepr } from '../http/validation.ts';
import { invalidInput } from './errors.ts';
import { canonicalIp, parseCidr, parseIp } from './ip.ts';

/** A value as Python's str() shows it (the `%s` of Neutron's messages). */
export const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v));

export type Converter = (v: unknown) => unknown;
export type Validator = (v: unknown) => string | null;

/** converters.convert_to_boolean: true/false, 'true'/'false' (any case), 1/0, '1'/'0'. */
export const toBoolean: Converter = (v) => {
  if (typeof v === 'boolean') return v;
  if (v === 1 || v === 0) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (['true', '1', 't', 'y', 'yes', 'on'].includes(s)) return true;
    if (['false', '0', 'f', 'n', 'no', 'off'].includes(s)) return false;
  }
  throw invalidInput(`'${pyStr(v)}' cannot be converted to boolean`);
};

/** converters.convert_to_int. */
export const toInt: Converter = (v) => {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*[-+]?\d+\s*$/.test(v)) return Number.parseInt(v, 10);
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw invalidInput(`'${pyStr(v)}' is not an integer`);
};

/** converters.convert_to_int_if_not_none. */
export const toIntOrNone: Converter = (v) => (v === null ? null : toInt(v));
/** converters.convert_none_to_empty_list. */
export const noneToEmptyList: Converter = (v) => (v === null ? [] : v);
/** converters.convert_none_to_empty_dict. */
export const noneToEmptyDict: Converter = (v) => (v === null ? {} : v);
/** converters.convert_ip_to_canonical_format: an address in canonical text; anything else unchanged. */
export const canonicalAddress: Converter = (v) => (typeof v === 'string' ? canonicalIp(v) : v);

/** converters.convert_cidr_to_canonical_format (the host bits kept: the validator judges them). */
export const canonicalCidr: Converter = (v) => {
  if (typeof v !== 'string') return v;
  const [addr = '', len] = v.split('/');
  const ip = parseIp(addr);
  if (!ip) return v;
  return len === undefined ? canonicalIp(addr) : `${canonicalIp(addr)}/${len}`;
};

/** converters.convert_to_sanitized_mac_address: lower case, colons, zero-padded. */
export const sanitizeMac: Converter = (v) => {
  if (typeof v !== 'string') return v;
  const parts = v.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) return v;
  return parts.map((p) => p.toLowerCase().padStart(2, '0')).join(':');
};

/** converters.convert_to_protocol: a name, a number 0–255 (as text), or null. */
export const toProtocol: Converter = (v) => {
  if (v === null) return null;
  const names = [
    'ah',
    'dccp',
    'egp',
    'esp',
    'gre',
    'hopopt',
    'icmp',
    'igmp',
    'ip',
    'ipip',
    'ipv6-encap',
    'ipv6-frag',
    'ipv6-icmp',
    'icmpv6',
    'ipv6-nonxt',
    'ipv6-opts',
    'ipv6-route',
    'ospf',
    'pgm',
    'rsvp',
    'sctp',
    'tcp',
    'udp',
    'udplite',
    'vrrp',
    'any',
  ];
  const msg = `IP protocol '${pyStr(v)}' is not supported. Only protocol names and their integer representation (0 to 255) are supported`;
  if (typeof v === 'string' && names.includes(v.toLowerCase())) return v.toLowerCase() === 'any' ? null : v.toLowerCase();
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  if (Number.isInteger(n) && n >= 0 && n <= 255) return String(n);
  throw invalidInput(msg);
};

/** validators.validate_string (max length; null only where allowed). */
export const string =
  (max: number | null = null, opts: { nullable?: boolean } = {}): Validator =>
  (v) => {
    if (v === null && opts.nullable) return null;
    if (typeof v !== 'string') return `'${pyStr(v)}' is not a valid string`;
    if (max !== null && v.length > max) return `'${v}' exceeds maximum length of ${max}`;
    return null;
  };

/** validators.validate_uuid. */
export const uuid: Validator = (v) =>
  typeof v === 'string' && /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/.test(v) ? null : `'${pyStr(v)}' is not a valid UUID`;
/** validators.validate_uuid_or_none. */
export const uuidOrNone: Validator = (v) => (v === null ? null : uuid(v));

/** validators.validate_values. */
export const values =
  (allowed: readonly unknown[]): Validator =>
  (v) =>
    allowed.includes(v) ? null : `${pyRepr(v)} is not in ${pyRepr(allowed)}`;

/** validators.validate_boolean (after conversion it always holds; kept for attributes without a converter). */
export const boolean: Validator = (v) => (typeof v === 'boolean' ? null : `'${pyStr(v)}' is not a valid boolean value`);

/** validators.validate_non_negative. */
export const nonNegative: Validator = (v) => (typeof v === 'number' && Number.isInteger(v) ? (v < 0 ? `'${v}' should be non-negative` : null) : `'${pyStr(v)}' is not an integer`);

/** validators.validate_range. */
export const range =
  (min: number, max: number): Validator =>
  (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return `'${pyStr(v)}' is not an integer`;
    if (v < min) return `'${v}' is too small - must be at least '${min}'`;
    if (v > max) return `'${v}' is too large - must be no larger than '${max}'`;
    return null;
  };

/** validators.validate_ip_address. */
export const ipAddress: Validator = (v) => (parseIp(v) ? null : `'${pyStr(v)}' is not a valid IP address`);
/** validators.validate_ip_address_or_none. */
export const ipAddressOrNone: Validator = (v) => (v === null ? null : ipAddress(v));

/** validators.validate_subnet: `addr/len`, IPv4 with zero host bits. */
export const subnet: Validator = (v) => {
  const c = parseCidr(v, { requirePrefix: true });
  const ok = c && (c.version === 6 || parseCidr(v, { strict: true, requirePrefix: true }));
  return ok ? null : `'${pyStr(v)}' is not a valid IP subnet`;
};
/** validators.validate_subnet_or_none. */
export const subnetOrNone: Validator = (v) => (v === null ? null : subnet(v));

/** validators.validate_route_cidr (host routes' destination). */
export const routeCidr: Validator = (v) => (parseCidr(v, { strict: true, requirePrefix: true }) ? null : `'${pyStr(v)}' is not a valid CIDR`);

/** validators.validate_mac_address. */
export const mac: Validator = (v) => (typeof v === 'string' && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(v) ? null : `'${pyStr(v)}' is not a valid MAC address`);

/** A list whose items pass `item` (validators._validate_list_of_items). */
const listOf =
  (item: (x: unknown) => string | null): Validator =>
  (v) => {
    if (!Array.isArray(v)) return `'${pyStr(v)}' is not a list`;
    for (const x of v) {
      const m = item(x);
      if (m) return m;
    }
    return null;
  };

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** validators.validate_nameservers. */
export const nameservers: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for nameserver: '${pyStr(v)}'`;
  const seen = new Set<string>();
  for (const h of v) {
    const m = ipAddress(h);
    if (m) return `'${pyStr(h)}' is not a valid nameserver. ${m}`;
    if (seen.has(String(h))) return `Duplicate nameserver '${pyStr(h)}'`;
    seen.add(String(h));
  }
  return null;
};

/** validators.validate_hostroutes. */
export const hostroutes: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for hostroute: '${pyStr(v)}'`;
  const seen = new Set<string>();
  for (const r of v) {
    if (!isObj(r) || Object.keys(r).sort().join() !== 'destination,nexthop') return `Invalid data format for hostroute: '${pyStr(r)}'`;
    const m = routeCidr(r.destination) ?? ipAddress(r.nexthop);
    if (m) return m;
    const key = `${String(r.destination)} ${String(r.nexthop)}`;
    if (seen.has(key)) return `Duplicate hostroute '${pyStr(r)}'`;
    seen.add(key);
  }
  return null;
};

/** validators.validate_ip_pools. */
export const ipPools: Validator = listOf((p) => {
  if (!isObj(p)) return `Invalid data format for IP pool: '${pyStr(p)}'`;
  const keys = Object.keys(p).sort().join();
  if (keys !== 'end,start') return `Invalid data format for IP pool: '${pyStr(p)}'`;
  return ipAddress(p.start) ?? ipAddress(p.end);
});

/** validators.validate_fixed_ips: items with ip_address and/or subnet_id. */
export const fixedIps: Validator = (v) => {
  if (!Array.isArray(v)) return `Invalid data format for fixed IP: '${pyStr(v)}'`;
  const seen = new Set<string>();
  for (const f of v) {
    if (!isObj(f)) return `Invalid data format for fixed IP: '${pyStr(f)}'`;
    if (Object.keys(f).some((k) => k !== 'ip_address' && k !== 'subnet_id')) return `Invalid data format for fixed IP: '${pyStr(f)}'`;
    if ('ip_address' in f) {
      const ip = String(f.ip_address);
      if (seen.has(ip)) return `Duplicate IP address '${ip}'`;
      seen.add(ip);
      const m = ipAddress(f.ip_address);
      if (m) return m;
    }
    if ('subnet_id' in f) {
      const m = uuid(f.subnet_id);
      if (m) return m;
    }
  }
  return null;
};

/** validators.validate_allowed_address_pairs. */
export const addressPairs: Validator = (v) => {
  if (!Array.isArray(v)) return `Allowed address pairs must be a list.`;
  for (const p of v) {
    if (!isObj(p)) return `Allowed address pairs must be a list.`;
    for (const k of Object.keys(p)) if (k !== 'ip_address' && k !== 'mac_address') return `Unrecognized attribute(s) '${k}'`;
    if (!('ip_address' in p)) return `AllowedAddressPair must contain ip_address`;
    if (!parseIp(p.ip_address) && !parseCidr(p.ip_address, { requirePrefix: true })) return `'${pyStr(p.ip_address)}' is not a valid IP address`;
    if ('mac_address' in p && p.mac_address !== null && mac(sanitizeMac(p.mac_address))) return `'${pyStr(p.mac_address)}' is not a valid MAC address`;
  }
  return null;
};

/** validators.validate_dict_or_empty. */
export const dictOrEmpty: Validator = (v) => (isObj(v) ? null : `'${pyStr(v)}' is not a dictionary`);

/** validators.validate_uuid_list: a list of uuids (security_groups), none twice (_validate_list_of_items). */
export const uuidList: Validator = (v) => {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string') && new Set(v).size !== v.length) return `Duplicate items in the list: '${v.join(', ')}'`;
  return listOf(uuid)(v);
};

/** validators.validate_availability_zone_hints: a list of zone names. */
export const stringList: Validator = listOf((x) => (typeof x === 'string' ? null : `'${pyStr(x)}' is not a valid string`));
