/** Pieces every identity view uses: timestamps and links as Keystone renders them. */

/** ISO 8601 with microseconds and Z: 2024-05-01T12:00:00.123000Z (Keystone's isotime(subsecond=True)). */
export function isoMicro(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

/** `{"self": "<base>/v3/<path>"}` */
export function selfLinks(base: string, path: string): { self: string } {
  return { self: `${base}/v3/${path}` };
}

/** A collection as Keystone lists it: the items plus `links` {self, previous, next}. */
export function collection(base: string, path: string, key: string, items: readonly unknown[]): Record<string, unknown> {
  return { [key]: items, links: { self: `${base}/v3/${path}`, previous: null, next: null } };
}
