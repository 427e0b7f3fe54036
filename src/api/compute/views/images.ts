/** Image bodies of the compute image proxy, as Nova's views/images.py renders them. */
import type { ComputeImage } from '../../../compute-api/images.ts';
import type { Link } from './common.ts';

/** Glance status → the compute API's. */
const STATUS: Readonly<Record<string, string>> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Readonly<Record<string, number>> = { queued: 25, saving: 50, active: 100 };
const TRUE_VALUES = ['1', 't', 'true', 'on', 'y', 'yes'];

/** utils.isotime: seconds and Z. */
function isotime(s: string | null): string | null {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : `${d.toISOString().slice(0, 19)}Z`;
}

/** self, bookmark and the image service's alternate link. */
export function imageLinks(baseUrl: string, glanceBase: string, id: string): Link[] {
  return [
    { rel: 'self', href: `${baseUrl}/v2.1/images/${id}` },
    { rel: 'bookmark', href: `${baseUrl}/images/${id}` },
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${glanceBase}/images/${id}` },
  ];
}

/** GET /images: id, name, links. */
export function imageBasic(baseUrl: string, glanceBase: string, i: ComputeImage): Record<string, unknown> {
  return { id: i.id, name: i.name, links: imageLinks(baseUrl, glanceBase, i.id) };
}

/** GET /images/detail and /images/{id}. */
export function imageDetail(baseUrl: string, glanceBase: string, i: ComputeImage): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: i.id,
    name: i.name,
    minRam: Math.trunc(i.min_ram ?? 0),
    minDisk: Math.trunc(i.min_disk ?? 0),
    metadata: i.properties,
    created: isotime(i.created_at),
    updated: isotime(i.updated_at),
    status: STATUS[i.status] ?? 'UNKNOWN',
    progress: PROGRESS[i.status] ?? 0,
    'OS-EXT-IMG-SIZE:size': i.size,
    links: imageLinks(baseUrl, glanceBase, i.id),
  };
  const server = i.properties.instance_uuid;
  if (server !== undefined) {
    body.server = {
      id: server,
      links: [
        { rel: 'self', href: `${baseUrl}/v2.1/servers/${server}` },
        { rel: 'bookmark', href: `${baseUrl}/servers/${server}` },
      ],
    };
  }
  const auto = i.properties.auto_disk_config;
  if (auto !== undefined) body['OS-DCF:diskConfig'] = TRUE_VALUES.includes(auto.trim().toLowerCase()) ? 'AUTO' : 'MANUAL';
  return body;
}
