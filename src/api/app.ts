/**
 * The Compute API on the HTTP kernel: Nova's paths under /v2.1 (and the
 * legacy /v2.1/{project_id}/…), microversions, authentication, Nova's fault
 * bodies and the version documents.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { runWithContext } from '../context.ts';
import { buildHttpApp } from '../http/app.ts';
import type { Authenticator } from '../http/auth.ts';
import { HttpError } from '../http/errors.ts';
import type { TlsFiles } from '../http/tls.ts';
import type { Logger } from '../log.ts';
import { NOVA_ERRORS } from './errors.ts';
import { COMPUTE_VERSIONS } from './microversion.ts';
import { type ComputeCall, ok, type Route, route } from './types.ts';
import { v21Document, versionDocument, versionsDocument } from './versions.ts';

export interface ApiAppOptions {
  /** The route table, paths under /v2.1. */
  routes: readonly Route[];
  auth: Authenticator;
  log: Logger;
  /** [api] compute_link_prefix: base of links instead of the request's host. */
  linkPrefix?: string | null;
  /** Top-level names under /v2.1 (anything else in that place is a legacy project id). */
  collections?: readonly string[];
  /** Serve HTTPS with this certificate ([wsgi] ssl_cert_file, ssl_key_file). */
  tls?: TlsFiles | null;
}

const ANONYMOUS = { user_id: null, project_id: null, roles: [], is_admin: false } as const;

/** `GET /` and `GET /v2.1`: the version documents, without authentication. */
export function documentRoutes(): Route[] {
  return [
    route({ method: 'GET', path: '/', public: true, handler: async (req) => ok(versionsDocument(req.baseUrl)) }),
    route({
      method: 'GET',
      path: '/v2.1',
      public: true,
      handler: async (req) => ({ status: 200, body: v21Document(req.baseUrl), headers: COMPUTE_VERSIONS.headers(COMPUTE_VERSIONS.min) }),
    }),
    route({ method: 'GET', path: '/v2', public: true, handler: async (req) => ok(versionDocument('v2.0', req.baseUrl)) }),
  ];
}

/** The headers of requests that came in on the legacy v2 endpoint (/v2/…, Nova's LegacyV2CompatibleWrapper). */
const legacyV2Requests = new WeakSet<IncomingHttpHeaders>();

/** The microversion headers, which the legacy v2 endpoint neither reads nor sends. */
const VERSION_HEADERS = ['openstack-api-version', 'x-openstack-nova-api-version'];

/**
 * Legacy URLs: /v2.1/{project_id}/… drops the project id segment; /v2/… is
 * Nova's legacy v2 compatible endpoint, served by the v2.1 routes at 2.1
 * with the microversion headers of the request ignored (and none sent back).
 */
function legacyRewrite(collections: ReadonlySet<string>): (url: string, headers: IncomingHttpHeaders) => string {
  return (url, headers) => {
    const legacy = /^\/v2(?=[/?]|$)/.test(url) && !/^\/v2\/?(\?.*)?$/.test(url);
    if (legacy) {
      legacyV2Requests.add(headers);
      for (const h of VERSION_HEADERS) delete headers[h];
      url = `/v2.1${url.slice(3)}`;
    }
    const m = /^\/v2\.1\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
    const first = m?.[1];
    if (m && first && collections.size && !collections.has(first) && /^[0-9a-zA-Z_-]{1,64}$/.test(first) && m[2]) return `/v2.1${m[2]}${m[3] ?? ''}`;
    return url;
  };
}

/** Did this request come in on the legacy v2 endpoint? */
export function isLegacyV2(headers: IncomingHttpHeaders): boolean {
  return legacyV2Requests.has(headers);
}

/** The Compute API as a Fastify app. */
export function buildApiApp(opts: ApiAppOptions): FastifyInstance {
  const app = buildHttpApp<ComputeCall>({
    name: 'compute',
    routes: [...documentRoutes(), ...opts.routes.map((r) => ({ ...r, path: `/v2.1${r.path}` }))],
    log: opts.log,
    errors: NOVA_ERRORS,
    versions: COMPUTE_VERSIONS,
    malformedMessage: 'Malformed request body',
    tls: opts.tls ?? null,
    publicUrl: opts.linkPrefix ?? null,
    responseHeaders: (id) => ({ 'x-compute-request-id': id }),
    rewriteUrl: legacyRewrite(new Set(opts.collections ?? [])),
    async context(req, row, version) {
      const ctx = row.public ? { request_id: req.requestId, ...ANONYMOUS } : await opts.auth.authenticate(req.headers, req.requestId);
      if (!row.public && !row.unguarded && req.method !== 'GET' && req.method !== 'HEAD' && !ctx.is_admin && !ctx.roles.includes('member')) {
        throw new HttpError(403, `Policy doesn't allow ${row.policy ?? `${req.method} ${row.path}`} to be performed.`);
      }
      return { ctx, version: version ?? COMPUTE_VERSIONS.min, legacyV2: isLegacyV2(req.headers) };
    },
    around: (call, handler) => runWithContext(call.ctx, handler),
  });
  // The legacy v2 endpoint answers without microversion headers (and without them in Vary).
  app.addHook('onSend', async (req, reply) => {
    if (!isLegacyV2(req.headers)) return;
    reply.removeHeader('openstack-api-version');
    reply.removeHeader('x-openstack-nova-api-version');
    reply.removeHeader('vary');
  });
  return app;
}
