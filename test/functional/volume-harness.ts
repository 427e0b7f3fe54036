/**
 * In-process volume API (nova-volume) for functional tests: the Fastify app
 * as src/volume/service.ts builds it (NoAuth2, the volume route table) over
 * a fresh SQLite database, with the in-memory test driver and an in-memory
 * image service, driven with app.inject().
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/conf/loader.ts';
import { type Db, openDatabase } from '../../src/db/connection.ts';
import { NoAuth2 } from '../../src/http/auth.ts';
import { silentLogger } from '../../src/log.ts';
import { syncVolumeSchema } from '../../src/volume/db/migrate.ts';
import type { ImageInfo, NewImage, VolumeImages } from '../../src/volume/images.ts';
import { buildVolumeApi, type VolumeApi } from '../../src/volume/service.ts';
import { MemoryVolumeDriver } from '../support/memory-volume-driver.ts';

export const ADMIN = 'admin:admin';
export const ALICE = 'alice:projA';
export const BOB = 'bob:projB';
export const READER = 'reader:projA';

// biome-ignore lint/suspicious/noExplicitAny: answers are walked freely in tests; every value read is asserted.
export type Json = Record<string, any>;

export interface Answer {
  status: number;
  body: Json;
  headers: Record<string, unknown>;
}

/** An image service in memory: images with their bytes. */
export class MemoryImages implements VolumeImages {
  readonly images = new Map<string, { info: ImageInfo; data: Buffer | null; visibility: string }>();

  add(data: Buffer, fields: Partial<ImageInfo> = {}): ImageInfo {
    const info: ImageInfo = {
      id: randomUUID(),
      name: 'img',
      status: 'active',
      size: data.length,
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: 0,
      min_ram: 0,
      checksum: null,
      properties: {},
      ...fields,
    };
    this.images.set(info.id, { info, data, visibility: 'public' });
    return info;
  }

  async show(_ctx: unknown, id: string): Promise<ImageInfo | null> {
    return this.images.get(id)?.info ?? null;
  }

  async download(_ctx: unknown, id: string, dest: string): Promise<void> {
    fs.writeFileSync(dest, this.images.get(id)?.data ?? Buffer.alloc(0));
  }

  async create(_ctx: unknown, image: NewImage): Promise<ImageInfo> {
    const info: ImageInfo = {
      id: randomUUID(),
      name: image.name,
      status: 'queued',
      size: null,
      disk_format: image.disk_format,
      container_format: image.container_format,
      min_disk: 0,
      min_ram: 0,
      checksum: null,
      properties: image.properties ?? {},
    };
    this.images.set(info.id, { info, data: null, visibility: image.visibility ?? 'private' });
    return info;
  }

  /** An upload keeps its first 2 MiB as `data` (volumes are GiBs) and its size. */
  async upload(_ctx: unknown, id: string, src: string): Promise<void> {
    const e = this.images.get(id);
    if (!e) throw new Error(`no image ${id}`);
    const size = fs.statSync(src).size;
    const head = Buffer.alloc(Math.min(size, 2 * 1024 * 1024));
    const fd = fs.openSync(src, 'r');
    try {
      fs.readSync(fd, head, 0, head.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    e.data = head;
    e.info = { ...e.info, status: 'active', size };
  }
}

export interface VolumeHarness {
  readonly app: FastifyInstance;
  readonly api: VolumeApi;
  readonly db: Db;
  readonly driver: MemoryVolumeDriver;
  readonly images: MemoryImages;
  /** method, url, body, token (default ALICE), microversion (default none: 3.0). */
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string | null, version?: string): Promise<Answer>;
  /** Create a volume and wait for it to be made; its view. */
  volume(fields?: Json, token?: string): Promise<Json>;
  /** The background work done. */
  idle(): Promise<void>;
  /** Stop the API and start another over the same database (a service restart). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** `connection`: a database URL instead of a fresh SQLite file (created when missing). */
export async function startVolumeApi(overrides: Record<string, Record<string, string>> = {}, connection?: string): Promise<VolumeHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-volume-'));
  const conf = loadConfig({ overrides: { DEFAULT: { state_path: dir, host: 'vhost' }, ...overrides } });
  const db = await openDatabase(connection ?? `sqlite:///${dir}/nova.sqlite`, { createDatabase: connection !== undefined });
  await syncVolumeSchema(db);
  const driver = new MemoryVolumeDriver();
  const images = new MemoryImages();
  const build = async () => {
    const api = buildVolumeApi({ conf, db, auth: new NoAuth2(), log: silentLogger(), driver, images });
    await api.start();
    await api.app.ready();
    return api;
  };
  let api = await build();
  const call: VolumeHarness['call'] = async (method, url, body, token = ALICE, version) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== null) headers['x-auth-token'] = token;
    if (version) headers['openstack-api-version'] = `volume ${version}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await api.app.inject({ method, url, headers, payload: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Json) : {}, headers: res.headers };
  };
  const h: VolumeHarness = {
    get app() {
      return api.app;
    },
    get api() {
      return api;
    },
    db,
    driver,
    images,
    call,
    async volume(fields = {}, token = ALICE) {
      const r = await call('POST', '/v3/volumes', { volume: { size: 1, ...fields } }, token);
      if (r.status !== 202) throw new Error(`create volume: ${r.status} ${JSON.stringify(r.body)}`);
      await api.worker.idle();
      return (await call('GET', `/v3/volumes/${r.body.volume.id}`, undefined, token)).body.volume as Json;
    },
    idle: () => api.worker.idle(),
    async restart() {
      await api.app.close();
      await api.stop();
      api = await build();
    },
    async close() {
      await api.app.close();
      await api.stop();
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** The fault of an answer: its name and {code, message}. */
export function fault(a: Answer): { name: string; code: number; message: string } {
  const [name = '', f] = Object.entries(a.body)[0] ?? [];
  return { name, code: Number(f?.code), message: String(f?.message) };
}
