/**
 * The storm: boots at a given concurrency through the Compute API, a share
 * of them deleted once ACTIVE, as a client that does not give up would do
 * it. A request cut off (the API was killed, the connection reset) is not
 * blindly sent again — that is how clients duplicate servers: a lost create
 * is looked up by its unique name first (until the lookup itself answers),
 * a lost delete is sent again (a delete is idempotent).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface StormOptions {
  readonly url: string;
  /** Every server's name is `<prefix>-<n>`. */
  readonly prefix: string;
  readonly boots: number;
  readonly concurrency: number;
  /** Share of the ACTIVE servers deleted during the storm (0–1). */
  readonly deleteShare: number;
  /** Called after each accepted boot with the count so far (the fault schedule follows it). */
  onAccepted?(count: number): void;
  readonly log?: (line: string) => void;
}

export interface StormResult {
  /** Names and ids of the boots the API accepted (202), or that were found after a cut-off create. */
  readonly accepted: Map<string, string>;
  /** Boots given up (the create never got through). */
  readonly refused: number;
  /** Server ids whose delete the API accepted (204). */
  readonly deleted: Set<string>;
  readonly elapsedMs: number;
  /** Requests answered 5xx or cut off, by kind. */
  readonly hiccups: Record<string, number>;
}

const HEADERS = { 'x-auth-token': 'chaos:chaos', 'content-type': 'application/json', accept: 'application/json', 'openstack-api-version': 'compute 2.93' };

async function request(url: string, method: string, body?: unknown): Promise<{ status: number; body: unknown } | null> {
  try {
    const r = await fetch(url, { method, headers: HEADERS, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  } catch {
    return null; // cut off: the API died, the connection reset, or no answer in time (or the answer was not JSON)
  }
}

function idOf(body: unknown): string | null {
  if (body === null || typeof body !== 'object' || !('server' in body)) return null;
  const s: unknown = body.server;
  return s !== null && typeof s === 'object' && 'id' in s && typeof s.id === 'string' ? s.id : null;
}

/** The id of the server with exactly this name, if the cut-off create went through. */
async function findByName(url: string, name: string): Promise<string | null | undefined> {
  const r = await request(`${url}/v2.1/servers?name=${encodeURIComponent(`^${name}$`)}`, 'GET');
  if (r?.status !== 200 || r.body === null || typeof r.body !== 'object' || !('servers' in r.body) || !Array.isArray(r.body.servers)) return undefined;
  const first: unknown = r.body.servers[0];
  return first !== null && typeof first === 'object' && 'id' in first && typeof first.id === 'string' ? first.id : null;
}

async function status(url: string, id: string): Promise<string | null> {
  const r = await request(`${url}/v2.1/servers/${id}`, 'GET');
  if (r?.status !== 200 || r.body === null || typeof r.body !== 'object' || !('server' in r.body)) return null;
  const s: unknown = r.body.server;
  return s !== null && typeof s === 'object' && 'status' in s && typeof s.status === 'string' ? s.status : null;
}

export async function storm(o: StormOptions): Promise<StormResult> {
  const accepted = new Map<string, string>();
  const deleted = new Set<string>();
  const hiccups: Record<string, number> = {};
  const hiccup = (kind: string) => {
    hiccups[kind] = (hiccups[kind] ?? 0) + 1;
  };
  let refused = 0;
  let next = 0;
  const t0 = Date.now();
  const deletes: Promise<void>[] = [];
  const { prefix } = o;

  const boot = async (i: number) => {
    const name = `${prefix}-${i}`;
    for (let attempt = 0; attempt < 60; attempt++) {
      const r = await request(`${o.url}/v2.1/servers`, 'POST', { server: { name, imageRef: 'cirros', flavorRef: '1', networks: 'none' } });
      const id = r?.status === 202 ? idOf(r.body) : null;
      if (id) {
        accepted.set(name, id);
        o.onAccepted?.(accepted.size);
        return id;
      }
      hiccup(r ? `create ${r.status}` : 'create cut off');
      if (r && r.status < 500) break; // refused on purpose: a client would not send it again
      // Did it go through after all (a 503 or a cut-off can come after the server was recorded)? Only a definite
      // "no such server" allows sending the create again; a lookup that fails itself is tried again.
      let found: string | null | undefined;
      for (let look = 0; look < 120 && found === undefined; look++) {
        await sleep(500);
        found = await findByName(o.url, name);
      }
      if (found === undefined) break;
      if (found) {
        accepted.set(name, found);
        o.onAccepted?.(accepted.size);
        return found;
      }
    }
    refused++;
    return null;
  };

  const deleteWhenActive = async (id: string) => {
    for (let i = 0; i < 600; i++) {
      const s = await status(o.url, id);
      if (s === 'ACTIVE') break;
      if (s === 'ERROR') return;
      await sleep(200);
    }
    for (let attempt = 0; attempt < 60; attempt++) {
      const r = await request(`${o.url}/v2.1/servers/${id}`, 'DELETE');
      if (r?.status === 204 || r?.status === 404) {
        deleted.add(id);
        return;
      }
      hiccup(r ? `delete ${r.status}` : 'delete cut off');
      await sleep(500);
    }
  };

  await Promise.all(
    Array.from({ length: Math.min(o.concurrency, o.boots) }, async () => {
      while (next < o.boots) {
        const i = next++;
        const id = await boot(i);
        if (id && (i * 7919) % 1000 < o.deleteShare * 1000) deletes.push(deleteWhenActive(id));
      }
    }),
  );
  await Promise.all(deletes);
  return { accepted, refused, deleted, elapsedMs: Date.now() - t0, hiccups };
}
