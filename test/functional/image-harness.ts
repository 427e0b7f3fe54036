/**
 * In-process image API (nova-image) for functional tests: the Fastify app as
 * src/image/service.ts builds it (NoAuth2, the image route table) over a
 * fresh SQLite database and a temporary store directory, driven with
 * app.inject() or, for tests that need a real socket, a listening server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig, type NovaConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { syncImageSchema } from '../../src/image/db/migrate.ts';
import { buildImageApi } from '../../src/image/service.ts';
import { silentLogger } from '../../src/log.ts';

/** An administrator (noauth2: "admin" in the user name), project admin. */
export const ADMIN = 'admin:admin';
/** A member of project projA. */
export const ALICE = 'alice:projA';
/** A member of project projB. */
export const BOB = 'bob:projB';
/** Another member of project projA. */
export const CAROL = 'carol:projA';

export interface ImageCall {
  /** X-Auth-Token; default ALICE; null sends none. */
  token?: string | null;
  /** JSON body (serialized) — or a Buffer sent as is. */
  body?: unknown;
  /** Content-Type; default application/json for JSON bodies, application/octet-stream for Buffers. */
  contentType?: string;
  /** Accept; default application/json (what keystoneauth sends). null sends none. */
  accept?: string | null;
  headers?: Record<string, string>;
}

export interface ImageHarness {
  readonly app: FastifyInstance;
  readonly conf: NovaConfig;
  readonly db: Db;
  readonly dir: string;
  /** The store directory ([glance_store] filesystem_store_datadir). */
  readonly storeDir: string;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD', url: string, opts?: ImageCall): Promise<LightMyRequestResponse>;
  /** Listen on 127.0.0.1 (random port); returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** `overrides`: nova.conf values by section; `connection`: a database URL instead of a fresh SQLite file. */
export async function startImageApi(overrides: Record<string, Record<string, string>> = {}, connection?: string): Promise<ImageHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-image-'));
  const { DEFAULT: defaults, ...rest } = overrides;
  const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, ...(defaults ?? {}) }, ...rest } });
  const db = await openDatabase(connection ?? `sqlite:///${dir}/nova.sqlite`, { createDatabase: connection !== undefined });
  await syncImageSchema(db);
  const { app, store } = buildImageApi({ conf, db, auth: new NoAuth2(), log: silentLogger() });
  await app.ready();
  const call: ImageHarness['call'] = (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.accept !== null) headers.accept = opts.accept ?? 'application/json';
    const token = opts.token === undefined ? ALICE : opts.token;
    if (token !== null) headers['x-auth-token'] = token;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(opts.body)) {
      payload = opts.body;
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
    } else if (opts.body !== undefined) {
      payload = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.contentType) {
      headers['content-type'] = opts.contentType;
    }
    return app.inject({ method, url, headers, payload });
  };
  return {
    app,
    conf,
    db,
    dir,
    storeDir: store.datadir,
    call,
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

/** The parsed JSON body of a response. */
export function body<T = Record<string, unknown>>(res: { body: string }): T {
  return JSON.parse(res.body) as T;
}

/** Create an image as `token` and return its view. */
export async function createImage(h: ImageHarness, fields: Record<string, unknown>, token = ALICE): Promise<Record<string, unknown>> {
  const res = await h.call('POST', '/v2/images', { token, body: { disk_format: 'raw', container_format: 'bare', ...fields } });
  if (res.statusCode !== 201) throw new Error(`create failed: ${res.statusCode} ${res.body}`);
  return body(res);
}

/** Files in the store directory (image data and any temporary upload files). */
export function storeFiles(h: ImageHarness): string[] {
  return fs.existsSync(h.storeDir) ? fs.readdirSync(h.storeDir).sort() : [];
}

/** The readable text of an answer: the `message` of a JSON error body, else the body itself. */
export function text(res: { body: string }): string {
  try {
    const parsed = JSON.parse(res.body) as { message?: unknown; error?: { message?: unknown } };
    if (typeof parsed.message === 'string') return parsed.message;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON
  }
  return res.body;
}
