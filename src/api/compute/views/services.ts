/** Service bodies as Nova's services.py renders them. */
import type { NovaConfig } from '../../../conf/loader.ts';
import type { ServiceDTO } from '../../../objects/service.ts';
import { serviceIsUp } from '../../../service/servicegroup.ts';
import { atLeast, type Microversion } from '../../microversion.ts';
import { isoMicro } from './common.ts';

/** Is this a compute service (availability_zones.set_availability_zones keys on the compute topic)? */
export function isComputeService(s: Pick<ServiceDTO, 'binary' | 'topic'>): boolean {
  return s.topic === 'compute' || s.binary === 'nova-compute';
}

/**
 * The availability zone of a service (availability_zones.set_availability_zones):
 * a compute host is in the zone of its aggregate (`zones`: host → zone, see
 * zonesByHost), else in [DEFAULT] default_availability_zone; every other
 * service is in the internal zone.
 */
export function serviceZone(conf: NovaConfig, s: Pick<ServiceDTO, 'binary' | 'topic' | 'host'>, zones: ReadonlyMap<string, string> = new Map()): string {
  if (!isComputeService(s)) return conf.DEFAULT.internal_service_availability_zone;
  return zones.get(s.host) ?? conf.DEFAULT.default_availability_zone;
}

/** up/down as the DB servicegroup driver sees it. */
export function serviceIsAlive(conf: NovaConfig, s: ServiceDTO, now: Date = new Date()): boolean {
  return serviceIsUp(s, conf.DEFAULT.service_down_time, now);
}

/**
 * One service: binary, host, id (the integer id before 2.53, the uuid from
 * 2.53), zone (`zones`: host → aggregate zone), status, state, updated_at,
 * disabled_reason, and forced_down from 2.11.
 */
export function serviceDetail(
  conf: NovaConfig,
  s: ServiceDTO,
  version: Microversion,
  now: Date = new Date(),
  zones: ReadonlyMap<string, string> = new Map(),
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    binary: s.binary,
    host: s.host,
    id: atLeast(version, '2.53') ? s.uuid : s.id,
    zone: serviceZone(conf, s, zones),
    status: s.disabled ? 'disabled' : 'enabled',
    state: serviceIsAlive(conf, s, now) ? 'up' : 'down',
    updated_at: isoMicro(s.updated_at),
    disabled_reason: s.disabled_reason,
  };
  if (atLeast(version, '2.11')) body.forced_down = s.forced_down;
  return body;
}
