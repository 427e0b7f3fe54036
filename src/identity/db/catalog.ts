import type { Selectable } from 'kysely';
import { dbTime } from '../../db/time.ts';
import { expectOneOf } from '../../util/one-of.ts';
import type { EndpointsTable, IdentityKysely, ServicesTable } from './tables.ts';
import { bit, enabledBit, newId } from './util.ts';

/** A catalog service (compute, identity, image…). */
export interface CatalogService {
  id: string;
  type: string;
  name: string | null;
  description: string | null;
  enabled: boolean;
}

/** The interfaces an endpoint may have. */
export const ENDPOINT_INTERFACES = ['public', 'internal', 'admin'] as const;

/** One URL of a service, for one interface in one region. */
export interface Endpoint {
  id: string;
  service_id: string;
  interface: (typeof ENDPOINT_INTERFACES)[number];
  region_id: string | null;
  url: string;
  enabled: boolean;
}

/** A region endpoints belong to. */
export interface Region {
  id: string;
  description: string | null;
  parent_region_id: string | null;
}

const toService = (r: Selectable<ServicesTable>): CatalogService => ({ id: r.id, type: r.type, name: r.name, description: r.description, enabled: Boolean(r.enabled) });
const toEndpoint = (r: Selectable<EndpointsTable>): Endpoint => ({
  id: r.id,
  service_id: r.service_id,
  // Stored as a string; only the three interfaces are ever written (the API's schema allows no others).
  interface: expectOneOf(ENDPOINT_INTERFACES, r.interface, `interface of endpoint ${r.id}`),
  region_id: r.region_id,
  url: r.url,
  enabled: Boolean(r.enabled),
});

/** Services, endpoints and regions: the service catalog. */
export class CatalogRepository {
  constructor(private readonly k: IdentityKysely) {}

  async getService(id: string): Promise<CatalogService | undefined> {
    const r = await this.k.selectFrom('identity_services').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toService(r);
  }

  async listServices(f: { type?: string; name?: string } = {}): Promise<CatalogService[]> {
    let q = this.k.selectFrom('identity_services').selectAll().orderBy('type').orderBy('id');
    if (f.type !== undefined) q = q.where('type', '=', f.type);
    if (f.name !== undefined) q = q.where('name', '=', f.name);
    return (await q.execute()).map(toService);
  }

  async createService(s: Omit<CatalogService, 'id'>): Promise<CatalogService> {
    const svc: CatalogService = { ...s, id: newId() };
    await this.k
      .insertInto('identity_services')
      .values({ ...svc, enabled: bit(svc.enabled), created_at: dbTime() })
      .execute();
    return svc;
  }

  async updateService(id: string, changes: Partial<Omit<CatalogService, 'id'>>): Promise<void> {
    if (Object.keys(changes).length) await this.k.updateTable('identity_services').set(enabledBit(changes)).where('id', '=', id).execute();
  }

  /** Delete a service and its endpoints. */
  async deleteService(id: string): Promise<void> {
    await this.k.transaction().execute(async (t) => {
      await t.deleteFrom('identity_endpoints').where('service_id', '=', id).execute();
      await t.deleteFrom('identity_services').where('id', '=', id).execute();
    });
  }

  async getEndpoint(id: string): Promise<Endpoint | undefined> {
    const r = await this.k.selectFrom('identity_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toEndpoint(r);
  }

  async listEndpoints(f: { service_id?: string; interface?: string; region_id?: string } = {}): Promise<Endpoint[]> {
    let q = this.k.selectFrom('identity_endpoints').selectAll().orderBy('service_id').orderBy('interface').orderBy('id');
    if (f.service_id !== undefined) q = q.where('service_id', '=', f.service_id);
    if (f.interface !== undefined) q = q.where('interface', '=', f.interface);
    if (f.region_id !== undefined) q = q.where('region_id', '=', f.region_id);
    return (await q.execute()).map(toEndpoint);
  }

  async createEndpoint(e: Omit<Endpoint, 'id'>): Promise<Endpoint> {
    const ep: Endpoint = { ...e, id: newId() };
    await this.k
      .insertInto('identity_endpoints')
      .values({ ...ep, enabled: bit(ep.enabled), created_at: dbTime() })
      .execute();
    return ep;
  }

  async updateEndpoint(id: string, changes: Partial<Omit<Endpoint, 'id'>>): Promise<void> {
    if (Object.keys(changes).length) await this.k.updateTable('identity_endpoints').set(enabledBit(changes)).where('id', '=', id).execute();
  }

  async deleteEndpoint(id: string): Promise<void> {
    await this.k.deleteFrom('identity_endpoints').where('id', '=', id).execute();
  }

  async getRegion(id: string): Promise<Region | undefined> {
    return this.k.selectFrom('identity_regions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listRegions(): Promise<Region[]> {
    return this.k.selectFrom('identity_regions').selectAll().orderBy('id').execute();
  }

  /** Create the region unless it exists. */
  async ensureRegion(id: string, description: string | null = null, parentRegionId: string | null = null): Promise<Region> {
    const existing = await this.getRegion(id);
    if (existing) return existing;
    const region: Region = { id, description, parent_region_id: parentRegionId };
    await this.k.insertInto('identity_regions').values(region).execute();
    return region;
  }

  async deleteRegion(id: string): Promise<void> {
    await this.k.deleteFrom('identity_regions').where('id', '=', id).execute();
  }
}
