/**
 * In-process network API (nova-network) for functional tests: the Fastify
 * app as src/network/service.ts builds it (NoAuth2, the network route table)
 * over a fresh SQLite database (or the given one), driven with app.inject()
 * or, for tests that need a real socket, a listening server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { silentLogger } from '../../src/log.ts';
import { syncNetworkSchema } from '../../src/network/db/migrate.ts';
import type { SendNovaEvents } from '../../src/network/nova-notifier.ts';
import { buildNetworkApi } from '../../src/network/service.ts';

/** An administrator (noauth2: "admin" in the user name) of project admin. */
export const ADMIN = 'admin:admin';
/** Members of project projA, and of projB. */
export const ALICE = 'alice:projA';
export const BOB = 'bob:projB';
/** A reader (read-only) of projA. */
export const READER = 'reader:projA';

/** A JSON body as tests read it (loosely: the assertions check its shape). */
// biome-ignore lint/suspicious/noExplicitAny: answers are walked freely in tests; every value read is asserted.
export type Json = Record<string, any>;

/** One answer: status and parsed JSON body (null when empty). */
export interface Answer {
  status: number;
  body: Json;
  headers: Record<string, unknown>;
}

export interface NetworkHarness {
  readonly app: FastifyInstance;
  readonly db: Db;
  /** method, url, body (JSON), token (default ALICE). */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string | null): Promise<Answer>;
  /** POST and expect 201; the created resource. */
  create(collection: string, resource: string, fields: Json, token?: string): Promise<Json>;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** `sendNovaEvents`: where the nova notifier's batches go (none: nova is not told). */
export async function startNetworkApi(overrides: Record<string, Record<string, string>> = {}, connection?: string, sendNovaEvents?: SendNovaEvents): Promise<NetworkHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-network-'));
  const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir }, ...overrides } });
  const db = await openDatabase(connection ?? `sqlite:///${dir}/nova.sqlite`, { createDatabase: connection !== undefined });
  await syncNetworkSchema(db);
  const { app } = buildNetworkApi({ conf, db, auth: new NoAuth2(), log: silentLogger(), sendNovaEvents });
  await app.ready();
  const call: NetworkHarness['call'] = async (method, url, body, token = ALICE) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers['x-auth-token'] = token;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.inject({ method, url, headers, payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {}, headers: res.headers };
  };
  return {
    app,
    db,
    call,
    async create(collection, resource, fields, token = ALICE) {
      const r = await call('POST', `/v2.0/${collection}`, { [resource]: fields }, token);
      if (r.status !== 201) throw new Error(`create ${resource}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body[resource] as Json;
    },
    async listen() {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const addr = app.server.address();
      if (!addr || typeof addr !== 'object') throw new Error('not listening');
      return `http://127.0.0.1:${addr.port}`;
    },
    async close() {
      await app.close();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The NeutronError of an answer. */
export function neutronError(a: Answer): { type: string; message: string; detail: string } {
  return a.body.NeutronError as { type: string; message: string; detail: string };
}
