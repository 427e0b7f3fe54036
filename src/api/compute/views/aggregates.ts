/** Aggregate bodies as Nova's aggregates.py renders them (_marshall_aggregate). */
import { type AggregateDTO, aggregateZone } from '../../../objects/aggregate.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { isoMicro } from './common.ts';

/** The microversion from which aggregates show their uuid. */
export const AGGREGATE_UUID_VERSION = '2.41';

/**
 * One aggregate: availability_zone, created_at, deleted, deleted_at, hosts,
 * id, metadata, name, updated_at, and uuid from 2.41. Timestamps are naive
 * ISO 8601 with microseconds ('2016-12-27T23:47:32.911515'). `brief` leaves
 * out hosts and metadata, as the create response does.
 */
export function aggregateView(a: AggregateDTO, version: Microversion, brief = false): Record<string, unknown> {
  const body: Record<string, unknown> = {
    availability_zone: aggregateZone(a),
    created_at: isoMicro(a.created_at),
    deleted: a.deleted,
    deleted_at: isoMicro(a.deleted_at),
  };
  if (!brief) body.hosts = a.hosts;
  body.id = a.id;
  if (!brief) body.metadata = a.metadata;
  body.name = a.name;
  body.updated_at = isoMicro(a.updated_at);
  if (atLeast(version, AGGREGATE_UUID_VERSION)) body.uuid = a.uuid;
  return body;
}
