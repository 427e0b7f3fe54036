import type { CatalogService, Endpoint, Region } from '../db/catalog.ts';
import { selfLinks } from './common.ts';

/** A service as /v3/services renders it. */
export function serviceView(s: CatalogService, base: string): Record<string, unknown> {
  return { id: s.id, name: s.name, type: s.type, enabled: s.enabled, description: s.description, links: selfLinks(base, `services/${s.id}`) };
}

/** An endpoint as /v3/endpoints renders it. */
export function endpointView(e: Endpoint, base: string): Record<string, unknown> {
  return {
    id: e.id,
    interface: e.interface,
    region: e.region_id,
    region_id: e.region_id,
    service_id: e.service_id,
    url: e.url,
    enabled: e.enabled,
    links: selfLinks(base, `endpoints/${e.id}`),
  };
}

/** A region as /v3/regions renders it. */
export function regionView(r: Region, base: string): Record<string, unknown> {
  return { id: r.id, description: r.description ?? '', parent_region_id: r.parent_region_id, links: selfLinks(base, `regions/${r.id}`) };
}

/** One entry of a token's catalog. */
export interface CatalogEntry {
  type: string;
  name: string;
  id: string;
  endpoints: { id: string; interface: string; region: string | null; region_id: string | null; url: string }[];
}

/** The service catalog of a token (and of /v3/auth/catalog): enabled services with their enabled endpoints. */
export function catalogView(services: readonly CatalogService[], endpoints: readonly Endpoint[]): CatalogEntry[] {
  return services
    .filter((s) => s.enabled)
    .map((s) => ({
      endpoints: endpoints
        .filter((e) => e.enabled && e.service_id === s.id)
        .map((e) => ({ id: e.id, interface: e.interface, region: e.region_id, region_id: e.region_id, url: e.url })),
      id: s.id,
      type: s.type,
      name: s.name ?? '',
    }));
}
