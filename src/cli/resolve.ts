import { CommandError, isStatus } from './errors.ts';
import type { Json } from './format.ts';
import type { ComputeClient } from './http.ts';

/** A regular expression that matches exactly this text (Nova filters names by regex). */
export function exactNameRegex(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

function pick(kind: string, ref: string, matches: readonly Json[]): Json {
  if (matches.length === 0) throw new CommandError(`No ${kind} with a name or ID of '${ref}' exists.`);
  if (matches.length > 1) throw new CommandError(`Multiple ${kind} matches found for '${ref}', use an ID to be more specific.`);
  return matches[0] as Json;
}

/** Options of a server lookup. */
export interface FindServerOptions {
  /** Look for the name in every project (admin). */
  allTenants?: boolean;
}

/**
 * A server by id or name, as novaclient: GET /servers/<ref>; on 404 list the
 * servers named exactly <ref> and require one match, then GET it by id.
 */
export async function findServer(client: ComputeClient, ref: string, o: FindServerOptions = {}): Promise<Json> {
  try {
    return (await client.get<{ server: Json }>(`/servers/${encodeURIComponent(ref)}`)).server;
  } catch (e) {
    if (!isStatus(e, 404) && !isStatus(e, 400)) throw e;
  }
  const list = await client.get<{ servers: Json[] }>('/servers', { name: exactNameRegex(ref), all_tenants: o.allTenants ? 1 : undefined });
  const match = pick(
    'server',
    ref,
    (list.servers ?? []).filter((s) => s.name === ref),
  );
  return (await client.get<{ server: Json }>(`/servers/${encodeURIComponent(String(match.id))}`)).server;
}

/**
 * A flavor by id or name, as novaclient: GET /flavors/<ref>; on 404 list the
 * flavors, require one whose name is <ref>, then GET it by id.
 */
export async function findFlavor(client: ComputeClient, ref: string): Promise<Json> {
  try {
    return (await client.get<{ flavor: Json }>(`/flavors/${encodeURIComponent(ref)}`)).flavor;
  } catch (e) {
    if (!isStatus(e, 404)) throw e;
  }
  const list = await client.get<{ flavors: Json[] }>('/flavors', { is_public: 'None' });
  const match = pick(
    'flavor',
    ref,
    (list.flavors ?? []).filter((f) => f.name === ref),
  );
  return (await client.get<{ flavor: Json }>(`/flavors/${encodeURIComponent(String(match.id))}`)).flavor;
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * An image by id or name, as novaclient's GlanceManager.find_image asks the
 * image service of the catalog: a uuid is GET /v2/images/<id>, a name
 * GET /v2/images?name=<name> with exactly one match ("No Image matching
 * <name>." / "Multiple image matches found for '<name>', use an ID to be
 * more specific."). Null when the catalog has no image service (noauth2
 * with a fixed endpoint): the reference is then used as it is.
 */
export async function findImage(client: ComputeClient, ref: string): Promise<Json | null> {
  if (UUID_LIKE.test(ref)) {
    try {
      return await client.serviceGet<Json>('image', `/v2/images/${encodeURIComponent(ref)}`);
    } catch (e) {
      if (isStatus(e, 404)) throw new CommandError(`No Image matching ${ref}. (HTTP 404)`);
      throw e;
    }
  }
  const list = await client.serviceGet<{ images?: Json[] }>('image', `/v2/images?name=${encodeURIComponent(ref)}`);
  if (list === null) return null;
  const matches = list.images ?? [];
  if (matches.length === 0) throw new CommandError(`No Image matching ${ref}. (HTTP 404)`);
  if (matches.length > 1) throw new CommandError(`Multiple image matches found for '${ref}', use an ID to be more specific.`);
  return matches[0] ?? null;
}
