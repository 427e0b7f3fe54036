import type { RequestContext } from '../context.ts';
import type { ServiceRepository } from '../db/api/services.ts';
import type { ServiceDTO } from '../objects/service.ts';
import { parseDbTime } from '../util/time.ts';

/**
 * How a daemon records itself in the services table and reports it is alive.
 * Services with a database write directly (DbServiceRegistry); nova-compute
 * has no database and goes through nova-conductor (ConductorServiceRegistry).
 */
export interface ServiceRegistry {
  register(ctx: RequestContext, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO>;
  heartbeat(ctx: RequestContext, serviceId: number): Promise<ServiceDTO>;
}

export class DbServiceRegistry implements ServiceRegistry {
  constructor(private readonly services: ServiceRepository) {}

  register(_ctx: RequestContext, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    return this.services.getOrCreate(values);
  }

  heartbeat(_ctx: RequestContext, serviceId: number): Promise<ServiceDTO> {
    return this.services.heartbeat(serviceId);
  }
}

/**
 * Is the service up? As Nova's DB servicegroup driver: not forced down and
 * its last heartbeat (last_seen_up, else updated_at, else created_at) is
 * at most service_down_time seconds old.
 */
export function serviceIsUp(s: Pick<ServiceDTO, 'forced_down' | 'last_seen_up' | 'updated_at' | 'created_at'>, serviceDownTimeSec: number, now: Date = new Date()): boolean {
  if (s.forced_down) return false;
  const last = s.last_seen_up ?? s.updated_at ?? s.created_at;
  if (!last) return false;
  const elapsed = (now.getTime() - parseDbTime(last).getTime()) / 1000;
  return Math.abs(elapsed) <= serviceDownTimeSec;
}
