/** Shared pieces of response bodies: links and timestamps as Nova renders them. */
import { iso8601ToDb } from '../../../util/iso8601.ts';

export interface Link {
  rel: string;
  href: string;
  type?: string;
}

/** `self` (versioned) and `bookmark` (unversioned) links of a resource. */
export function links(baseUrl: string, collection: string, id: string | number): Link[] {
  return [
    { rel: 'self', href: `${baseUrl}/v2.1/${collection}/${id}` },
    { rel: 'bookmark', href: `${baseUrl}/${collection}/${id}` },
  ];
}

/** The `<collection>_links` next link of a paged list. */
export function nextLink(baseUrl: string, path: string, query: Readonly<Record<string, string | string[]>>, marker: string): Link[] {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (k === 'marker') continue;
    for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
  }
  params.set('marker', marker);
  return [{ rel: 'next', href: `${baseUrl}/v2.1/${path}?${params.toString()}` }];
}

/** '2026-11-24 19:47:05.123000' → '2026-11-24T19:47:05Z' (server created/updated). */
export function isoSeconds(dbTime: string | null): string | null {
  return dbTime ? `${dbTime.slice(0, 19).replace(' ', 'T')}Z` : null;
}

/** '2026-11-24 19:47:05.123000' → '2026-11-24T19:47:05.123000' (launched_at, service updated_at…). */
export function isoMicro(dbTime: string | null): string | null {
  if (!dbTime) return null;
  const [date, time = '00:00:00'] = dbTime.split(' ');
  const [hms, frac = ''] = time.split('.');
  return `${date}T${hms}.${frac.padEnd(6, '0').slice(0, 6)}`;
}

/** Nova's `changes-since`/`changes-before` (ISO 8601, as Python's iso8601 reads it) → the stored format; null when it is not one. */
export function parseIsoToDb(s: string): string | null {
  return iso8601ToDb(s);
}
