/**
 * A host aggregate (Nova's Aggregate object): a named group of compute
 * hosts with key/value metadata. The `availability_zone` metadata key makes
 * the aggregate an availability zone for its hosts.
 */
export interface AggregateDTO {
  id: number;
  uuid: string;
  name: string;
  /** Host names, in the order they were added. */
  hosts: string[];
  metadata: Record<string, string>;
  created_at: string | null;
  updated_at: string | null;
  deleted_at: string | null;
  deleted: boolean;
}

/** The metadata key that names an aggregate's availability zone. */
export const AZ_METADATA_KEY = 'availability_zone';

/** Aggregate.availability_zone: the zone the aggregate defines, or null. */
export function aggregateZone(a: Pick<AggregateDTO, 'metadata'>): string | null {
  return Object.hasOwn(a.metadata, AZ_METADATA_KEY) ? (a.metadata[AZ_METADATA_KEY] as string) : null;
}

/**
 * host → availability zone, from the aggregates that define one (Nova's
 * get_host_availability_zone: the first such aggregate of the host, by id).
 * Hosts in no zoned aggregate are absent: they are in
 * `[DEFAULT] default_availability_zone`.
 */
export function zonesByHost(aggregates: readonly AggregateDTO[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of [...aggregates].sort((x, y) => x.id - y.id)) {
    const zone = aggregateZone(a);
    if (zone === null) continue;
    for (const h of a.hosts) if (!out.has(h)) out.set(h, zone);
  }
  return out;
}

/** Does some aggregate with at least one host define this availability zone? */
export function zoneHasHosts(aggregates: readonly AggregateDTO[], zone: string): boolean {
  return aggregates.some((a) => a.hosts.length > 0 && aggregateZone(a) === zone);
}
