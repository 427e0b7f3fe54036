/**
 * In-process Compute API for functional tests: the Fastify app as
 * src/cmd/build-api.ts wires it (NoAuth2, the compute route table), over a
 * fresh SQLite database, driven with app.inject() and the headers a real
 * client sends.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApiApp } from '../../src/api/app.ts';
import { COLLECTIONS, computeRoutes } from '../../src/api/compute/routes.ts';
import { loadConfig, type NovaConfig } from '../../src/conf/loader.ts';
import { DbApi } from '../../src/db/api/index.ts';
import { openDatabase } from '../../src/db/connection.ts';
import { syncSchema } from '../../src/db/migrate.ts';
import { dbTime } from '../../src/db/time.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { silentLogger } from '../../src/log.ts';
import type { ComputeNodeDTO, ComputeNodeInventory } from '../../src/objects/compute-node.ts';
import type { ServiceDTO } from '../../src/objects/service.ts';

export interface Harness {
  readonly app: FastifyInstance;
  readonly db: DbApi;
  readonly conf: NovaConfig;
  /** Send a request: `call('GET', '/v2.1/flavors', { token: ADMIN, version: '2.61' })`. */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, opts?: CallOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface CallOptions {
  /** X-Auth-Token (noauth2 `user:project`); default {@link ADMIN}. null: none. */
  token?: string | null;
  /** OpenStack-API-Version: compute <version>; absent → no header (2.1). */
  version?: string;
  /** Send the microversion the way python-novaclient 2.1 calls do (X-OpenStack-Nova-API-Version only). */
  legacyHeader?: boolean;
  /** JSON body (objects are serialized) or raw text. */
  body?: unknown;
}

/** An administrator (noauth2: "admin" in the user name). */
export const ADMIN = 'admin:admin';
/** A normal user in project projA. */
export const ALICE = 'alice:projA';
/** Another normal user, in project projB. */
export const BOB = 'bob:projB';

/** Build the app over a fresh SQLite database. `overrides` are nova.conf values by section. */
export async function startApi(overrides: Record<string, Record<string, string>> = {}, connection?: string): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-api-'));
  const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, ...(overrides.DEFAULT ?? {}) }, ...withoutDefault(overrides) } });
  const conn = await openDatabase(connection ?? `sqlite:///${dir}/nova.sqlite`, { createDatabase: connection !== undefined, maxRetries: 0 });
  await syncSchema(conn);
  const db = new DbApi(conn);
  const log = silentLogger();
  const app = buildApiApp({ routes: computeRoutes({ conf, db, log }), auth: new NoAuth2(), log, collections: COLLECTIONS });
  await app.ready();
  const call: Harness['call'] = (method, url, opts = {}) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = opts.token === undefined ? ADMIN : opts.token;
    if (token !== null) headers['x-auth-token'] = token;
    if (opts.version) {
      if (opts.legacyHeader) headers['x-openstack-nova-api-version'] = opts.version;
      else {
        headers['openstack-api-version'] = `compute ${opts.version}`;
        headers['x-openstack-nova-api-version'] = opts.version;
      }
    }
    let payload: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    }
    return app.inject({ method, url, headers, payload });
  };
  return {
    app,
    db,
    conf,
    call,
    async close() {
      await app.close();
      await conn.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function withoutDefault(o: Record<string, Record<string, string>>): Record<string, Record<string, string>> {
  const { DEFAULT: _d, ...rest } = o;
  return rest;
}

/** Create a service row directly; `up` false makes its last heartbeat an hour old. */
export async function createService(
  db: DbApi,
  host: string,
  binary: string,
  opts: { disabled?: boolean; disabledReason?: string | null; up?: boolean; forcedDown?: boolean } = {},
): Promise<ServiceDTO> {
  const topic = binary === 'nova-compute' ? 'compute' : binary.replace(/^nova-/, '');
  let s = await db.services.create({ host, binary, topic, version: 1, disabled: opts.disabled ?? false, disabled_reason: opts.disabledReason ?? null });
  s = await db.services.heartbeat(s.id);
  if (opts.forcedDown) s = await db.services.update(s.id, { forced_down: true });
  if (opts.up === false) {
    const old = dbTime(new Date(Date.now() - 3600_000));
    await db.db.kysely.updateTable('services').set({ last_seen_up: old, updated_at: old }).where('id', '=', s.id).execute();
    s = await db.services.get(s.id);
  }
  return s;
}

/** Create (or refresh) a compute node for a host, with the fake driver's inventory unless overridden. */
export async function createComputeNode(db: DbApi, host: string, serviceId: number | null, inv: Partial<ComputeNodeInventory> = {}): Promise<ComputeNodeDTO> {
  return db.computeNodes.upsertInventory(host, serviceId, {
    hypervisor_hostname: host,
    hypervisor_type: 'fake',
    hypervisor_version: 1000,
    cpu_info: JSON.stringify({ arch: 'x86_64', model: 'Nehalem', vendor: 'Intel', features: ['pge', 'clflush'], topology: { cores: 1, threads: 1, sockets: 4 } }),
    host_ip: '127.0.0.1',
    vcpus: 1000,
    memory_mb: 800000,
    local_gb: 600000,
    disk_available_least: 0,
    reserved_vcpus: 0,
    reserved_memory_mb: 512,
    reserved_disk_gb: 0,
    cpu_allocation_ratio: 16,
    ram_allocation_ratio: 1.5,
    disk_allocation_ratio: 1,
    current_workload: 0,
    ...inv,
  });
}

/** A compute host as nova-compute leaves it: the service and its node. */
export async function createComputeHost(
  db: DbApi,
  host: string,
  opts: Parameters<typeof createService>[3] & { inventory?: Partial<ComputeNodeInventory> } = {},
): Promise<{ service: ServiceDTO; node: ComputeNodeDTO }> {
  const service = await createService(db, host, 'nova-compute', opts);
  const node = await createComputeNode(db, host, service.id, opts.inventory);
  return { service, node };
}

/** Insert a live instance row directly (for usage counting and hosts with servers). Returns its uuid and id. */
export async function createInstance(
  db: DbApi,
  opts: { projectId?: string; userId?: string; host?: string | null; vcpus?: number; memoryMb?: number; name?: string } = {},
): Promise<{ uuid: string; id: number }> {
  const uuid = randomUUID();
  await db.db.kysely
    .insertInto('instances')
    .values({
      uuid,
      user_id: opts.userId ?? 'alice',
      project_id: opts.projectId ?? 'projA',
      vm_state: 'active',
      memory_mb: opts.memoryMb ?? 512,
      vcpus: opts.vcpus ?? 1,
      root_gb: 1,
      ephemeral_gb: 0,
      instance_type_id: 1,
      flavor: '{}',
      display_name: opts.name ?? 'vm',
      reservation_id: 'r-test',
      host: opts.host ?? null,
      node: opts.host ?? null,
      locked: 0,
      metadata: '{}',
      system_metadata: '{}',
      tags: '[]',
      created_at: dbTime(),
      updated_at: dbTime(),
    })
    .execute();
  const row = await db.db.kysely.selectFrom('instances').select('id').where('uuid', '=', uuid).executeTakeFirstOrThrow();
  return { uuid, id: row.id };
}

/** The parsed JSON body of a response. */
export function json<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** Nova's policy refusal message. */
export function policyMessage(rule: string): string {
  return `Policy doesn't allow ${rule} to be performed.`;
}
