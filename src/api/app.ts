import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { newRequestId, runWithContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import type { TlsFiles } from '../service/tls.ts';
import type { Authenticator } from './auth.ts';
import { faultBody, HttpError } from './errors.ts';
import { cmp, fmt, MIN, type Microversion, negotiate, parseVersion } from './microversion.ts';
import type { ApiResponse, Route } from './types.ts';
import { v21Document, versionsDocument } from './versions.ts';

export interface ApiAppOptions {
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

declare module 'fastify' {
  interface FastifyRequest {
    novaRequestId: string;
    novaVersion: Microversion | null;
  }
}

function baseUrlOf(req: FastifyRequest, prefix: string | null | undefined): string {
  if (prefix) return prefix.replace(/\/+$/, '');
  const proto = (req.headers['x-forwarded-proto'] as string | undefined) ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

function versionHeaders(reply: FastifyReply, v: Microversion): void {
  reply.header('OpenStack-API-Version', `compute ${fmt(v)}`);
  reply.header('X-OpenStack-Nova-API-Version', fmt(v));
  reply.header('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
}

function inRange(route: Route, v: Microversion): boolean {
  if (route.minVersion && cmp(v, parseVersion(route.minVersion)) < 0) return false;
  if (route.maxVersion && cmp(v, parseVersion(route.maxVersion)) > 0) return false;
  return true;
}

/**
 * The Compute API as a Fastify app: request ids, microversion negotiation
 * and headers, authentication, Nova's fault bodies for every error, and the
 * explicit route table.
 */
export function buildApiApp(opts: ApiAppOptions): FastifyInstance {
  const collections = new Set(opts.collections ?? []);
  const app = Fastify({
    ...(opts.tls ? { https: { cert: opts.tls.cert, key: opts.tls.key } } : {}),
    loggerInstance: opts.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    bodyLimit: 1024 * 1024,
    // Legacy /v2.1/{project_id}/… URLs: drop the project id segment.
    rewriteUrl(req) {
      const url = req.url ?? '/';
      const m = /^\/v2(?:\.1)?\/([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
      if (m && collections.size && !collections.has(m[1] as string) && /^[0-9a-zA-Z_-]{1,64}$/.test(m[1] as string) && m[2]) {
        return `/v2.1${m[2]}${m[3] ?? ''}`;
      }
      return url;
    },
  });

  app.decorateRequest('novaRequestId', '');
  app.decorateRequest('novaVersion', null);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new NovaError('Malformed request body') as Error & { statusCode?: number }, undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    req.novaRequestId = newRequestId();
    reply.header('x-openstack-request-id', req.novaRequestId);
    reply.header('x-compute-request-id', req.novaRequestId);
  });

  // One line per request, as nova-api logs it.
  app.addHook('onResponse', async (req, reply) => {
    opts.log.info(
      {
        request_id: req.novaRequestId,
        method: req.method,
        url: req.url,
        status: reply.statusCode,
        microversion: req.novaVersion ? fmt(req.novaVersion) : undefined,
        time_ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  app.setErrorHandler((err, req, reply) => {
    if (req.novaVersion) versionHeaders(reply, req.novaVersion);
    let status = 500;
    let message: string;
    if (err instanceof NovaError) {
      status = err.status;
      message = err.message;
      if (err.message === 'Malformed request body') status = 400;
    } else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (fe.statusCode && fe.statusCode < 500) {
        status = fe.statusCode;
        message = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request is too large.' : (fe.message ?? 'Bad request');
      } else {
        message = 'Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ and attach the Nova API log if possible.';
      }
    }
    if (status >= 500) req.log.error({ err, request_id: req.novaRequestId, url: req.url }, 'unexpected API error');
    else req.log.info({ status, message, request_id: req.novaRequestId, method: req.method, url: req.url }, 'request failed');
    reply.code(status).type('application/json; charset=UTF-8').send(faultBody(status, message));
  });

  app.setNotFoundHandler((req, reply) => {
    if (req.novaVersion) versionHeaders(reply, req.novaVersion);
    reply.code(404).type('application/json; charset=UTF-8').send(faultBody(404, 'The resource could not be found.'));
  });

  app.get('/', async (req, reply) => {
    reply.type('application/json');
    return versionsDocument(baseUrlOf(req, opts.linkPrefix));
  });
  const v21 = async (req: FastifyRequest, reply: FastifyReply) => {
    versionHeaders(reply, MIN);
    reply.type('application/json');
    return v21Document(baseUrlOf(req, opts.linkPrefix));
  };
  app.get('/v2.1', v21);

  // Group the route table by method + path; pick the variant for the request's microversion.
  const groups = new Map<string, Route[]>();
  for (const r of opts.routes) {
    const key = `${r.method} ${r.path}`;
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  for (const [key, variants] of groups) {
    const [method, path] = key.split(' ') as [Route['method'], string];
    app.route({
      method,
      url: `/v2.1${path}`,
      handler: async (req, reply) => {
        const version = negotiate(req.headers);
        req.novaVersion = version;
        versionHeaders(reply, version);
        const route = variants.find((r) => inRange(r, version));
        if (!route) {
          reply.code(404).type('application/json; charset=UTF-8');
          return faultBody(404, 'The resource could not be found.');
        }
        const ctx = route.public
          ? { request_id: req.novaRequestId, user_id: null, project_id: null, roles: [], is_admin: false }
          : await opts.auth.authenticate(req.headers, req.novaRequestId);
        if (!route.public && method !== 'GET' && method !== 'HEAD' && !ctx.is_admin && !ctx.roles.includes('member')) {
          throw new HttpError(403, `Policy doesn't allow ${route.policy ?? `${method} ${path}`} to be performed.`);
        }
        const res: ApiResponse = await runWithContext(ctx, () =>
          route.handler({
            ctx,
            version,
            params: req.params as Record<string, string>,
            query: req.query as Record<string, string | string[]>,
            body: req.body,
            baseUrl: baseUrlOf(req, opts.linkPrefix),
            headers: req.headers,
          }),
        );
        reply.code(res.status);
        for (const [h, v] of Object.entries(res.headers ?? {})) reply.header(h, v);
        if (res.body === undefined) {
          reply.type('application/json');
          return reply.send();
        }
        reply.type('application/json');
        return res.body;
      },
    });
  }
  return app;
}
