import type { ImageDTO, MemberDTO } from '../types.ts';

/** Glance's timeutils.isotime: seconds precision, `Z`. */
export function isoTime(dbTime: string): string {
  return `${dbTime.slice(0, 19).replace(' ', 'T')}Z`;
}

/** Properties Glance keeps to itself (ResponseSerializer._hidden_properties). */
const HIDDEN = new Set(['os_glance_stage_host', 'os_glance_hash_op_host']);

/**
 * One image as Glance v2 shows it (ResponseSerializer._format_image): the
 * custom properties first, then the base attributes in Glance's order.
 */
export function imageView(image: ImageDTO): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(image.properties)) if (!HIDDEN.has(k)) view[k] = v;
  Object.assign(view, {
    name: image.name,
    disk_format: image.disk_format,
    container_format: image.container_format,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtual_size,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.min_ram,
    min_disk: image.min_disk,
    owner: image.owner,
    os_hidden: image.os_hidden,
    os_hash_algo: image.os_hash_algo,
    os_hash_value: image.os_hash_value,
    id: image.id,
    created_at: isoTime(image.created_at),
    updated_at: isoTime(image.updated_at),
    tags: [...image.tags],
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  });
  return view;
}

/** GET /v2/images: the page plus Glance's `first`/`next` links (query strings kept, marker replaced). */
export function imageListView(images: readonly ImageDTO[], params: URLSearchParams, nextMarker: string | null): Record<string, unknown> {
  const rest = new URLSearchParams(params);
  rest.delete('marker');
  const query = rest.toString();
  const body: Record<string, unknown> = {
    images: images.map(imageView),
    first: query ? `/v2/images?${query}` : '/v2/images',
    schema: '/v2/schemas/images',
  };
  if (nextMarker !== null) {
    rest.append('marker', nextMarker);
    body.next = `/v2/images?${rest.toString()}`;
  }
  return body;
}

/** One image member (glance.api.v2.image_members.ResponseSerializer). */
export function memberView(m: MemberDTO): Record<string, unknown> {
  return {
    created_at: isoTime(m.created_at),
    image_id: m.image_id,
    member_id: m.member,
    schema: '/v2/schemas/member',
    status: m.status,
    updated_at: isoTime(m.updated_at),
  };
}
