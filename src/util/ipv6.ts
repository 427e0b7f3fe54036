/**
 * IPv6 addresses in their canonical text form, as Nova stores them: its
 * IPAddress fields keep a netaddr.IPAddress, whose str() is the C library's
 * inet_ntop: lower case, no leading zeros, the longest (left-most) run of
 * two or more zero groups as "::", and an IPv4-mapped or -compatible
 * address with its last 32 bits as a dotted quad.
 */

/** The eight 16-bit groups of an address (embedded dotted IPv4 allowed), or null when it is not one. */
export function ipv6Groups(text: string): number[] | null {
  let s = text;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (dotted) {
    const octets = dotted.slice(2).map(Number);
    if (octets.some((o) => o > 255)) return null;
    const [a = 0, b = 0, c = 0, d = 0] = octets;
    tail.push((a << 8) | b, (c << 8) | d);
    // The part before the dotted quad ends with ':' (drop it) or with '::' (keep it, it stands for zeros).
    const before = dotted[1] ?? '';
    s = before.endsWith('::') ? before : before.slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const groups = part.split(':');
    if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
    return groups.map((g) => Number.parseInt(g, 16));
  };
  const head = parse(halves[0] ?? '');
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 2) {
    if (given > 7) return null;
    return [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  }
  return given === 8 ? [...head, ...tail] : null;
}

/** The canonical form of an IPv6 address ('80FE:0:0::0001' → '80fe::1'); the input unchanged when it is not one. */
export function normalizeIpv6(text: string): string {
  const w = ipv6Groups(text);
  if (!w) return text;
  // The longest, left-most run of at least two zero groups.
  let best = { start: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { start: i, len: j - i };
    i = j;
  }
  const hex = (from: number, to: number) => w.slice(from, to).map((g) => g.toString(16));
  // IPv4-compatible (::a.b.c.d, not ::1 or ::) or IPv4-mapped (::ffff:a.b.c.d), as inet_ntop prints them.
  if (best.start === 0 && (best.len === 6 || (best.len === 5 && w[5] === 0xffff)) && !(best.len === 6 && (w[6] ?? 0) === 0)) {
    const v4 = `${(w[6] ?? 0) >> 8}.${(w[6] ?? 0) & 255}.${(w[7] ?? 0) >> 8}.${(w[7] ?? 0) & 255}`;
    return best.len === 5 ? `::ffff:${v4}` : `::${v4}`;
  }
  if (best.start < 0) return hex(0, 8).join(':');
  return `${hex(0, best.start).join(':')}::${hex(best.start + best.len, 8).join(':')}`;
}
