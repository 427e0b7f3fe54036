import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../context.ts';
import { dbTime } from '../db/time.ts';
import type { ServiceDTO } from '../objects/service.ts';
import type { ServiceRegistry } from './servicegroup.ts';

/**
 * The registry of a daemon that is not a Nova service (the identity, image,
 * network and volume services, as Keystone and Glance are not): it keeps out
 * of Nova's services table, so out of `openstack compute service list`, and
 * holds its record in memory only.
 */
export class LocalServiceRegistry implements ServiceRegistry {
  private record: ServiceDTO | null = null;

  async register(_ctx: RequestContext, values: { host: string; binary: string; topic: string | null; version: number }): Promise<ServiceDTO> {
    const now = dbTime();
    this.record = {
      id: 0,
      uuid: randomUUID(),
      ...values,
      report_count: 0,
      disabled: false,
      disabled_reason: null,
      last_seen_up: now,
      forced_down: false,
      created_at: now,
      updated_at: now,
    };
    return this.record;
  }

  async heartbeat(_ctx: RequestContext, _serviceId: number): Promise<ServiceDTO> {
    if (!this.record) throw new Error(`heartbeat before register`);
    const now = dbTime();
    this.record = { ...this.record, report_count: this.record.report_count + 1, last_seen_up: now, updated_at: now };
    return this.record;
  }
}
