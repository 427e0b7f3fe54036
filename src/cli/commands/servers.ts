import fs from 'node:fs';
import { atLeast } from '../apiversion.ts';
import { CliError, CommandError } from '../errors.ts';
import { type Json, listTable, networkAddresses, networksColumn, parseCount, parseHints, parseMeta, powerStateName, propertiesTable } from '../format.ts';
import { sinkFor, waitForServer } from '../progress.ts';
import { findFlavor, findImage, findServer } from '../resolve.ts';
import type { Session } from '../session.ts';

/** Options of `nova boot`. */
export interface BootOptions {
  flavor: string;
  image: string;
  keyName?: string;
  availabilityZone?: string;
  meta?: string[];
  minCount?: string;
  maxCount?: string;
  userData?: string;
  hint?: string[];
  description?: string;
  nic?: string;
  wait?: boolean;
  /** Milliseconds between polls with --wait. */
  pollIntervalMs?: number;
}

/** min_count/max_count as novaclient derives them from --min-count/--max-count. */
export function bootCounts(min?: string, max?: string): { min: number; max: number } {
  const lo = min === undefined ? undefined : parseCount(min, 'min_count');
  const hi = max === undefined ? undefined : parseCount(max, 'max_count');
  if (lo !== undefined && hi !== undefined && lo > hi) throw new CommandError('min_count should be <= max_count');
  return { min: lo ?? 1, max: hi ?? lo ?? 1 };
}

/** The POST /servers body for the options (flavor already resolved to its id). */
export function bootBody(name: string, flavorId: string, o: BootOptions, v: { description: boolean; networks: boolean }, userData?: string): Json {
  const counts = bootCounts(o.minCount, o.maxCount);
  const server: Json = { name, imageRef: o.image, flavorRef: flavorId, min_count: counts.min, max_count: counts.max };
  if (o.meta?.length) server.metadata = parseMeta(o.meta);
  if (o.keyName) server.key_name = o.keyName;
  if (userData !== undefined) server.user_data = Buffer.from(userData).toString('base64');
  if (o.availabilityZone) server.availability_zone = o.availabilityZone;
  if (o.description !== undefined) {
    if (!v.description) throw new CliError('UnsupportedAttribute', "'description' argument is only allowed since microversion 2.19.");
    server.description = o.description;
  }
  const nic = o.nic ?? (v.networks ? 'auto' : undefined);
  if (nic !== undefined) {
    if (nic !== 'auto' && nic !== 'none') throw new CommandError(`Invalid --nic '${nic}': only 'auto' and 'none' are supported (there is no network service).`);
    server.networks = nic;
  }
  const body: Json = { server };
  if (o.hint?.length) body['os:scheduler_hints'] = parseHints(o.hint);
  return body;
}

/** `nova boot`: create a server, print it, and with --wait follow it until ACTIVE or ERROR. */
export async function boot(s: Session, name: string, o: BootOptions): Promise<void> {
  // Check what needs no server first, as novaclient's argument parsing does.
  bootCounts(o.minCount, o.maxCount);
  parseMeta(o.meta ?? []);
  parseHints(o.hint ?? []);
  let userData: string | undefined;
  if (o.userData !== undefined) {
    try {
      userData = fs.readFileSync(o.userData, 'utf8');
    } catch (e) {
      throw new CommandError(`Can't open '${o.userData}': ${(e as Error).message}`);
    }
  }
  const image = await findImage(s.client, o.image);
  const flavor = await findFlavor(s.client, o.flavor);
  const v = await s.client.apiVersion();
  const opts = image ? { ...o, image: String(image.id) } : o;
  const body = bootBody(name, String(flavor.id), opts, { description: atLeast(v, '2.19'), networks: atLeast(v, '2.37') }, userData);
  const created = (await s.client.post<{ server: Json }>('/servers', body)).server;
  const id = String(created.id);
  const detail = (await s.client.get<{ server: Json }>(`/servers/${encodeURIComponent(id)}`)).server;
  s.out.print(await serverTable(s, { ...created, ...detail }));
  if (o.wait) await waitForServer(s.client, id, name, sinkFor(name, s.out.stream), { initial: detail, intervalMs: o.pollIntervalMs });
}

/** The image of a server as novaclient shows it: "<name> (<id>)", "Image not found (<id>)", or the id alone without an image service. */
async function imageLabel(s: Session, image: unknown): Promise<string> {
  if (!image || typeof image !== 'object' || !('id' in image)) return 'Attempt to boot from volume - no image supplied';
  const id = String(image.id ?? '');
  try {
    const found = await findImage(s.client, id);
    return found ? `${String(found.name)} (${id})` : id;
  } catch {
    return `Image not found (${id})`;
  }
}

/** The Property/Value table of a server as novaclient's _print_server. */
export async function serverTable(s: Session, server: Json): Promise<string> {
  const info: Json = { ...server };
  for (const [label, list] of Object.entries(networkAddresses(server.addresses))) info[`${label} network`] = list.join(', ');
  const flavor = (server.flavor ?? {}) as Json;
  if (atLeast(await s.client.apiVersion(), '2.47')) {
    delete info.flavor;
    for (const [k, v] of Object.entries(flavor)) info[`flavor:${k}`] = v;
  } else {
    const id = String(flavor.id ?? '');
    try {
      const f = (await s.client.get<{ flavor: Json }>(`/flavors/${encodeURIComponent(id)}`)).flavor;
      info.flavor = `${String(f.name)} (${id})`;
    } catch {
      info.flavor = `Flavor not found (${id})`;
    }
  }
  if (Array.isArray(server.security_groups)) {
    info.security_groups = [...new Set(server.security_groups.map((g) => String((g as Json).name)))].sort().join(', ');
  }
  info.image = await imageLabel(s, server.image);
  delete info.links;
  delete info.addresses;
  delete info['OS-EXT-SRV-ATTR:user_data'];
  return propertiesTable(info);
}

/** `nova show`. */
export async function show(s: Session, ref: string): Promise<void> {
  s.out.print(await serverTable(s, await findServer(s.client, ref)));
}

/** Options of `nova list`. */
export interface ListOptions {
  allTenants?: boolean;
  status?: string;
  name?: string;
  limit?: string;
}

/** The `marker` of a `servers_links` next link, if any. */
export function nextMarker(links: unknown): string | null {
  if (!Array.isArray(links)) return null;
  const next = links.find((l) => (l as Json)?.rel === 'next') as Json | undefined;
  if (typeof next?.href !== 'string') return null;
  try {
    return new URL(next.href).searchParams.get('marker');
  } catch {
    return null;
  }
}

/** GET /servers/detail, following the next links unless a limit is given. */
export async function listServers(s: Session, o: ListOptions): Promise<Json[]> {
  const limit = o.limit === undefined ? undefined : parseCount(o.limit, 'limit', -1);
  const query = { all_tenants: o.allTenants ? 1 : undefined, status: o.status, name: o.name };
  if (limit !== undefined && limit !== -1) return (await s.client.get<{ servers: Json[] }>('/servers/detail', { ...query, limit })).servers ?? [];
  const all: Json[] = [];
  const seen = new Set<string>();
  let marker: string | null = null;
  for (;;) {
    const page: { servers?: Json[]; servers_links?: unknown } = await s.client.get('/servers/detail', { ...query, marker: marker ?? undefined });
    all.push(...(page.servers ?? []));
    marker = nextMarker(page.servers_links);
    if (!marker || seen.has(marker) || !page.servers?.length) return all;
    seen.add(marker);
  }
}

/** `nova list`: ID, Name, Status, Task State, Power State, Networks, sorted by name. */
export async function list(s: Session, o: ListOptions): Promise<void> {
  const servers = await listServers(s, o);
  const headers = ['ID', 'Name', 'Status', 'Task State', 'Power State', 'Networks'];
  const rows = servers.map((v) => [v.id, v.name, v.status, v['OS-EXT-STS:task_state'], powerStateName(v['OS-EXT-STS:power_state']), networksColumn(v.addresses)]);
  if (o.allTenants) {
    headers.splice(2, 0, 'Tenant ID');
    rows.forEach((r, i) => void r.splice(2, 0, servers[i]?.tenant_id));
  }
  s.out.print(listTable(headers, rows, 1));
}
