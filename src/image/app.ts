import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Authenticator } from '../api/auth.ts';
import { newRequestId, runWithContext } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import { GlanceError, renderError, unauthorizedBody } from './errors.ts';
import { header, type ImageRoute, mediaType } from './http.ts';
import { V2_ALIASES, versionsDocument } from './versions.ts';

/** What buildImageApp needs: the route table and the injected authentication. */
export interface ImageAppOptions {
  routes: readonly ImageRoute[];
  auth: Authenticator;
  log: Logger;
  /** `[glance_api] public_endpoint`: base of the version document's links instead of the request's host. */
  publicEndpoint?: string | null;
  /** Idle seconds before a client connection is closed (0: never). */
  socketTimeoutSec?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    glanceRequestId: string;
  }
}

const VND = 'application/vnd.openstack.images-';

/**
 * Glance's version negotiation (glance.api.middleware.version_negotiation):
 * `/v2/…`, `/v2.N/…` (or an `application/vnd.openstack.images-v2` Accept)
 * reach the v2 API, `/versions` the version list, anything else the 300
 * Multiple Choices document at `/`.
 */
export function negotiateUrl(url: string, accept: string | undefined): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q);
  const [, first = '', rest = ''] = /^\/+([^/]*)(.*)$/.exec(path) ?? [];
  if (first === 'versions') return '/versions';
  if (accept?.startsWith(VND)) return V2_ALIASES.has(accept.slice(VND.length)) ? `/v2${path}${query}` : '/';
  return V2_ALIASES.has(first) ? `/v2${rest}${query}` : '/';
}

/**
 * python-glanceclient %-encodes every header value (RFC 8187), so a noauth2
 * token `user:project` arrives as `user%3Aproject`. Keystone tokens contain
 * no `%`, so decoding is harmless for them.
 */
function authHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const token = header(headers, 'x-auth-token');
  if (!token?.includes('%')) return headers;
  try {
    return { ...headers, 'x-auth-token': decodeURIComponent(token) };
  } catch {
    return headers;
  }
}

function baseUrlOf(req: FastifyRequest): string {
  const proto = header(req.headers, 'x-forwarded-proto') ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

function pattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`);
}

/** Answer with a Glance error body (keystonemiddleware's for 401). */
function sendError(err: GlanceError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  for (const [h, v] of Object.entries(err.headers)) reply.header(h, v);
  // An error before the body was read (e.g. an upload refused up front): do not wait for the rest of it.
  if ((req.raw as IncomingMessage).complete === false) reply.header('connection', 'close');
  if (err.status === 401) {
    return reply
      .code(401)
      .type('application/json')
      .send(JSON.stringify(unauthorizedBody(err.message)));
  }
  const { body, type } = renderError(err, { method: req.method, accept: header(req.headers, 'accept'), contentType: mediaType(req.headers) });
  return reply.code(err.status).type(`${type}; charset=UTF-8`).send(body);
}

/**
 * The image API as a Fastify app: version negotiation, request ids,
 * authentication through the injected Authenticator, the route table, and
 * Glance's (webob's) error bodies for every error. Request bodies are not
 * parsed up front: JSON handlers read them, the upload streams them.
 */
export function buildImageApp(opts: ImageAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 4096 },
    connectionTimeout: (opts.socketTimeoutSec ?? 0) * 1000,
    rewriteUrl: (req) => negotiateUrl(req.url ?? '/', header(req.headers, 'accept')),
    // Requests the router cannot even parse (bad %-encoding): a Glance-style 400 too.
    frameworkErrors: (err, req, reply) => sendError(new GlanceError(400, { explanation: err.message }), req, reply),
  });
  app.decorateRequest('glanceRequestId', '');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.addHook('onRequest', async (req, reply) => {
    req.glanceRequestId = newRequestId();
    reply.header('x-openstack-request-id', req.glanceRequestId);
  });
  app.addHook('onResponse', async (req, reply) => {
    opts.log.info({ request_id: req.glanceRequestId, method: req.method, url: req.url, status: reply.statusCode, time_ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.setErrorHandler((err, req, reply) => {
    let ge: GlanceError;
    if (err instanceof GlanceError) ge = err;
    else if (err instanceof NovaError && err.status < 500) ge = new GlanceError(err.status, { explanation: err.message });
    else {
      const fe = err as { statusCode?: number; message?: string };
      ge = fe.statusCode && fe.statusCode < 500 ? new GlanceError(fe.statusCode, { explanation: fe.message ?? 'Bad request' }) : new GlanceError(500);
    }
    if (ge.status >= 500) req.log.error({ err, request_id: req.glanceRequestId, url: req.url }, 'unexpected image API error');
    else req.log.info({ status: ge.status, message: ge.message, request_id: req.glanceRequestId, method: req.method, url: req.url }, 'request failed');
    return sendError(ge, req, reply);
  });

  const patterns = opts.routes.map((r) => ({ re: pattern(r.path), method: r.method }));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = [...new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method))];
    if (allowed.length) return sendError(new GlanceError(405, { headers: { allow: allowed.join(', ') } }), req, reply);
    return sendError(new GlanceError(404), req, reply);
  });

  app.all('/', async (req, reply) =>
    reply
      .code(300)
      .type('application/json')
      .send(versionsDocument(opts.publicEndpoint ?? baseUrlOf(req))),
  );
  app.get('/versions', async (req, reply) =>
    reply
      .code(200)
      .type('application/json')
      .send(versionsDocument(opts.publicEndpoint ?? baseUrlOf(req))),
  );

  for (const route of opts.routes) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, reply) => {
        const ctx = await opts.auth.authenticate(authHeaders(req.headers), req.glanceRequestId);
        const search = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
        const res = await runWithContext(ctx, () =>
          route.handler({
            ctx,
            params: req.params as Record<string, string>,
            query: new URLSearchParams(search),
            headers: req.headers,
            body: (req.body as Readable | undefined) ?? (req.raw as Readable),
            baseUrl: baseUrlOf(req),
          }),
        );
        reply.code(res.status);
        for (const [h, v] of Object.entries(res.headers ?? {})) reply.header(h, v);
        if (res.stream) return reply.send(res.stream);
        if (res.body === undefined) return reply.send();
        return reply.type('application/json').send(JSON.stringify(res.body));
      },
    });
  }
  return app;
}
