import { CommandError } from './errors.ts';
import { renderTable } from './table.ts';

/** A JSON object as the API returns it. */
export type Json = Record<string, unknown>;

/** novaclient's names for power_state 0…7 (2 and 5 are unused and print empty). */
const POWER_STATES = ['NOSTATE', 'Running', '', 'Paused', 'Shutdown', '', 'Crashed', 'Suspended'];

/** The name novaclient shows for a power_state number ("N/A" when the server has none). */
export function powerStateName(value: unknown): string {
  if (value === undefined || value === null) return 'N/A';
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n < POWER_STATES.length ? (POWER_STATES[n] as string) : String(value);
}

/**
 * Parse `key=value` (split at the first `=`), as novaclient's `--meta` and
 * `--hint`; anything else is a CommandError.
 */
export function parseKeyValue(text: string): [string, string] {
  const i = text.indexOf('=');
  if (i < 0) throw new CommandError(`'${text}' is not in the format of 'key=value'`);
  return [text.slice(0, i), text.slice(i + 1)];
}

/** `--meta k=v` options into a metadata object (a later key wins). */
export function parseMeta(items: readonly string[]): Record<string, string> {
  return Object.fromEntries(items.map(parseKeyValue));
}

/** `--hint k=v` options into scheduler hints: a repeated key becomes a list, as novaclient. */
export function parseHints(items: readonly string[]): Record<string, string | string[]> {
  const hints: Record<string, string | string[]> = {};
  for (const [k, v] of items.map(parseKeyValue)) {
    const prev = hints[k];
    hints[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return hints;
}

/** A positive (or, with `allowZero`, non-negative) integer option value. */
export function parseCount(text: string, what: string, min = 1): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n)) throw new CommandError(`Invalid value for ${what}: '${text}' is not an integer.`);
  if (n < min) throw new CommandError(`${what} should be >= ${min}`);
  return n;
}

/** Python's str() of a float: 1 → "1.0". */
export function pyFloat(v: unknown): string {
  const n = Number(v);
  if (v === null || v === undefined || Number.isNaN(n)) return v === null || v === undefined ? '-' : String(v);
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** Python's json.dumps (", " and ": " separators, non-ASCII kept). */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Json)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`)
      .join(', ')}}`;
  }
  return v === undefined ? 'null' : JSON.stringify(v);
}

/** A table cell as novaclient's print_list shows a value: None → "-", True → "True". */
export function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'object') return pyJson(v);
  return String(v).replace(/\r/g, '');
}

/** oslo's to_slug: the "human id" novaclient prints next to a server id. */
export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[^\p{ASCII}]/gu, '')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, '-');
}

/** How novaclient names a resource in "Request to … has been accepted.": `human-id (id)` or the id. */
export function resourceString(r: Json): string {
  const id = String(r.id ?? '');
  const human = typeof r.name === 'string' ? slug(r.name) : '';
  return human ? `${human} (${id})` : id;
}

/** A server's addresses as novaclient's Networks column: `net=a, b; net2=c`. */
export function networksColumn(addresses: unknown): string {
  return Object.entries(networkAddresses(addresses))
    .filter(([, list]) => list.length > 0)
    .map(([label, list]) => `${label}=${list.join(', ')}`)
    .join('; ');
}

/** `{label: ["addr", …]}` from a server's `addresses`. */
export function networkAddresses(addresses: unknown): Record<string, string[]> {
  if (!addresses || typeof addresses !== 'object') return {};
  return Object.fromEntries(
    Object.entries(addresses as Record<string, unknown>).map(([label, list]) => [label, Array.isArray(list) ? list.map((a) => String((a as Json)?.addr ?? a)) : []]),
  );
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** novaclient's print_list: a prettytable with the given columns, optionally sorted by one of them. */
export function listTable(headers: readonly string[], rows: readonly (readonly unknown[])[], sortBy?: number): string {
  const cells = rows.map((r) => r.map(cell));
  if (sortBy !== undefined) cells.sort((a, b) => byCodePoint(a[sortBy] ?? '', b[sortBy] ?? ''));
  const text = renderTable(headers, cells);
  if (cells.length > 0) return text;
  // prettytable keeps the rule under the header of an empty table.
  const rule = text.split('\n')[0] ?? '';
  return `${text}\n${rule}`;
}

/**
 * novaclient's print_dict: a Property/Value table sorted by key; dicts and
 * lists as JSON, None as "-", and a value holding an escaped newline (a fault
 * with a traceback) spread over several rows.
 */
export function propertiesTable(obj: Json, headers: readonly [string, string] = ['Property', 'Value']): string {
  const rows: string[][] = [];
  for (const key of Object.keys(obj).sort(byCodePoint)) {
    const value = cell(obj[key]);
    if (value.includes('\\n')) {
      for (const [i, line] of value.trim().split('\\n').entries()) rows.push([i === 0 ? key : '', line]);
    } else rows.push([key, value]);
  }
  return renderTable(headers, rows);
}
