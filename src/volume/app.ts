/**
 * The volume API as a Fastify app on the HTTP kernel: the versions
 * documents at `/` (300) and `/v3/` (no token needed), the route table
 * behind authentication under `/v3/` with or without the project id in the
 * path (Cinder's "Malformed request url" when it is not the caller's),
 * microversions `OpenStack-API-Version: volume 3.0–3.70`, Cinder's fault
 * bodies, readers refused every write.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { runWithContext } from '../context.ts';
import { buildHttpApp } from '../http/app.ts';
import type { Authenticator } from '../http/auth.ts';
import { MicroversionScheme } from '../http/microversion.ts';
import type { Logger } from '../log.ts';
import { badRequest, CINDER_ERRORS, policyDenied } from './errors.ts';
import { json, route, type VolumeCall, type VolumeRoute } from './http.ts';
import { isWriter } from './policy.ts';

export const MIN_VERSION = '3.0';
export const MAX_VERSION = '3.70';
export const VOLUME_VERSIONS = new MicroversionScheme('volume', MIN_VERSION, MAX_VERSION);

export interface VolumeAppOptions {
  readonly routes: readonly VolumeRoute[];
  readonly auth: Authenticator;
  readonly log: Logger;
  /** `[volume_server] public_endpoint`. */
  readonly publicUrl?: string | null;
}

/** The first path segments under /v3/ that are collections, not a project id. */
const COLLECTIONS = new Set([
  'volumes',
  'snapshots',
  'attachments',
  'types',
  'os-quota-sets',
  'limits',
  'os-availability-zone',
  'os-services',
  'scheduler-stats',
  'extensions',
  'backups',
  'messages',
  'groups',
  'group_types',
  'group_snapshots',
  'os-volume-transfer',
  'volume-transfers',
  'default-types',
  'workers',
  'clusters',
  'manageable_volumes',
  'manageable_snapshots',
  'resource_filters',
  'qos-specs',
  'os-hosts',
]);

/** The project id a request's URL named (removed before routing). */
const urlProjects = new WeakMap<IncomingHttpHeaders, string>();

export function stripProject(url: string, headers: IncomingHttpHeaders): string {
  const m = /^\/v3\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
  const first = m?.[1];
  if (!m || first === undefined || COLLECTIONS.has(first) || !/^[0-9a-zA-Z_-]{1,64}$/.test(first)) return url;
  urlProjects.set(headers, first);
  return `/v3${m[2] ?? '/'}${m[3] ?? ''}`;
}

function versionsBody(base: string): unknown {
  return {
    versions: [
      {
        id: 'v3.0',
        status: 'CURRENT',
        version: MAX_VERSION,
        min_version: MIN_VERSION,
        updated: '2023-08-31T00:00:00Z',
        links: [
          { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
          { rel: 'self', href: `${base}/v3/` },
        ],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
      },
    ],
  };
}

export function buildVolumeApp(opts: VolumeAppOptions): FastifyInstance {
  const documents: VolumeRoute[] = [
    route({ method: 'GET', path: '/', public: true, handler: async (req) => json(versionsBody(req.baseUrl), 300) }),
    route({ method: 'GET', path: '/v3', public: true, handler: async (req) => json(versionsBody(req.baseUrl)) }),
  ];
  return buildHttpApp<VolumeCall>({
    name: 'volume',
    routes: [...documents, ...opts.routes],
    log: opts.log,
    errors: CINDER_ERRORS,
    versions: VOLUME_VERSIONS,
    malformedMessage: 'Malformed request body',
    publicUrl: opts.publicUrl ?? null,
    rewriteUrl: stripProject,
    async context(req, row, version) {
      const v = version ?? VOLUME_VERSIONS.min;
      if (row.public) return { ctx: { request_id: req.requestId, user_id: null, project_id: null, roles: [], is_admin: false }, version: v };
      const ctx = await opts.auth.authenticate(req.headers, req.requestId);
      const named = urlProjects.get(req.headers);
      if (named !== undefined && named !== ctx.project_id) throw badRequest('Malformed request url');
      if (req.method !== 'GET' && req.method !== 'HEAD' && !isWriter(ctx)) throw policyDenied(row.policy ?? `${req.method} ${row.path}`);
      return { ctx, version: v };
    },
    around: (call, handler) => runWithContext(call.ctx, handler),
  });
}
