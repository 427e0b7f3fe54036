/**
 * The HTTP kernel: a route table becomes a Fastify app with request ids,
 * one log line per request, TLS, JSON bodies (or raw streams), optional
 * microversions and every error rendered in the service's own format.
 * A service brings only its routes, what it adds to each request (the
 * caller) and how it words errors.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import { newRequestId } from '../context.ts';
import type { Logger } from '../log.ts';
import { type Problem, problem, problemOf } from './errors.ts';
import { parseJsonBody } from './json-body.ts';
import { fmt, inRange, type Microversion, type MicroversionScheme } from './microversion.ts';
import type { HttpMethod, HttpRequest, HttpResponse, Query, Route } from './route.ts';
import type { TlsFiles } from './tls.ts';

/** How a service words its errors. */
export interface ErrorFormat {
  /** The client's message for an unexpected (5xx) error: never the internal one. */
  readonly internalMessage: string;
  /** The body, content type and extra headers of an error answer. */
  render(
    p: Problem,
    req: { readonly method: string; readonly headers: IncomingHttpHeaders; readonly baseUrl: string },
  ): {
    body: unknown;
    type: string;
    headers?: Readonly<Record<string, string>>;
  };
}

/** What the kernel needs to know about a service. */
export interface HttpServiceSpec<C extends object> {
  /** For log lines, e.g. 'compute'. */
  readonly name: string;
  readonly routes: readonly Route<C>[];
  readonly log: Logger;
  readonly errors: ErrorFormat;
  /**
   * What the service adds to a request before its handler runs (the
   * authenticated caller, the microversion): throws to refuse it.
   */
  context(req: HttpRequest, row: Route<C>, version: Microversion | null): Promise<C>;
  /** Microversion negotiation; rows are picked by their min/max version. */
  readonly versions?: MicroversionScheme;
  /** 'json' parses bodies up front (default); 'stream' hands them to handlers unread. */
  readonly bodies?: 'json' | 'stream';
  /** The message of a body that is not JSON. */
  readonly malformedMessage?: string;
  /** Bytes; default 1 MiB. */
  readonly bodyLimit?: number;
  readonly tls?: TlsFiles | null;
  /** Base of links instead of the request's host (the service's public URL option). */
  readonly publicUrl?: string | null;
  /** Headers on every answer besides x-openstack-request-id (e.g. x-compute-request-id). */
  responseHeaders?(requestId: string): Readonly<Record<string, string>>;
  /** Run each handler inside this (e.g. with the caller as the logging context). */
  around?(extra: C, call: () => Promise<HttpResponse>): Promise<HttpResponse>;
  /** Rewrite the URL before routing (legacy project-id segments, version negotiation by path). */
  rewriteUrl?(url: string, headers: IncomingHttpHeaders): string;
  /** Answer 405 with Allow for a known path with another method (default 404 for any unknown route). */
  readonly methodNotAllowed?: boolean;
  /** Idle seconds before a client connection is closed (0: never). */
  readonly socketTimeoutSec?: number;
  /** Longest path parameter (default Fastify's 100). */
  readonly maxParamLength?: number;
}

/** A row of the route table as the app reports it (for introspection and for tests that walk every route). */
export interface RouteInfo {
  readonly method: HttpMethod;
  readonly path: string;
  readonly minVersion?: string;
  readonly maxVersion?: string;
  readonly public?: boolean;
  /** Any role may call it, writes too (see Route.unguarded). */
  readonly unguarded?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
    microversion: Microversion | null;
  }
  interface FastifyInstance {
    /** The service's route table (method, path, microversion range). */
    routeTable: readonly RouteInfo[];
  }
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The link base of a request: the public URL option, or scheme and host as the client used them. */
function baseUrlOf(req: FastifyRequest, publicUrl: string | null | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const proto = header(req.headers, 'x-forwarded-proto') ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

/** Query parameters with repeated ones as arrays, from the raw query string. */
function queryOf(search: URLSearchParams): Query {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function searchOf(url: string): URLSearchParams {
  const q = url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
}

function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[^/]+/g, '[^/]+')}/?$`);
}

/** Path parameters as strings (Fastify parses them; the row's pattern names them). */
function paramsOf(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.params;
  if (raw && typeof raw === 'object') for (const [k, v] of Object.entries(raw)) out[k] = String(v);
  return out;
}

/** Group rows by method and path: the variants of one route (one per microversion range). */
function groupRoutes<C>(routes: readonly Route<C>[]): Map<string, { method: HttpMethod; path: string; variants: Route<C>[] }> {
  const groups = new Map<string, { method: HttpMethod; path: string; variants: Route<C>[] }>();
  for (const r of routes) {
    const key = `${r.method} ${r.path}`;
    const g = groups.get(key) ?? { method: r.method, path: r.path, variants: [] };
    g.variants.push(r);
    groups.set(key, g);
  }
  return groups;
}

/** Seconds a client is told to wait after a 503 (a database, bus or identity outage). */
export const RETRY_AFTER_SEC = 5;

/** Build the Fastify app of a service from its spec. */
export function buildHttpApp<C extends object>(spec: HttpServiceSpec<C>): FastifyInstance {
  const rewrite = spec.rewriteUrl;
  const app = Fastify({
    ...(spec.tls ? { https: { cert: spec.tls.cert, key: spec.tls.key } } : {}),
    loggerInstance: spec.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: spec.maxParamLength ?? 100 },
    bodyLimit: spec.bodyLimit ?? 1024 * 1024,
    connectionTimeout: (spec.socketTimeoutSec ?? 0) * 1000,
    rewriteUrl: (req) => (rewrite ? rewrite(req.url ?? '/', req.headers) : (req.url ?? '/')),
    // Requests the router cannot even parse (bad %-encoding) are answered like any bad request.
    frameworkErrors: (err, req, reply) => sendProblem(req, reply, problemOf(err)),
  });
  const table: RouteInfo[] = spec.routes.map((r) => ({
    method: r.method,
    path: r.path,
    minVersion: r.minVersion,
    maxVersion: r.maxVersion,
    public: r.public,
    unguarded: r.unguarded,
  }));
  app.decorate('routeTable', table);
  app.decorateRequest('requestId', '');
  app.decorateRequest('microversion', null);

  app.removeAllContentTypeParsers();
  if (spec.bodies === 'stream') {
    app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  } else {
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => {
      try {
        done(null, parseJsonBody(Buffer.isBuffer(body) ? body : Buffer.from(body), spec.malformedMessage));
      } catch (e) {
        done(e instanceof Error ? e : new Error(String(e)), undefined);
      }
    });
  }

  app.addHook('onRequest', async (req, reply) => {
    req.requestId = newRequestId();
    reply.header('x-openstack-request-id', req.requestId);
    for (const [h, v] of Object.entries(spec.responseHeaders?.(req.requestId) ?? {})) reply.header(h, v);
  });

  // One line per request; never bodies or tokens.
  app.addHook('onResponse', async (req, reply) => {
    spec.log.info(
      {
        request_id: req.requestId,
        method: req.method,
        url: req.url,
        status: reply.statusCode,
        microversion: req.microversion ? fmt(req.microversion) : undefined,
        time_ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
  });

  function sendProblem(req: FastifyRequest, reply: FastifyReply, p: Problem): FastifyReply {
    const shown = p.expected ? p : { ...p, message: spec.errors.internalMessage };
    const where = { status: p.status, message: p.message, request_id: req.requestId, method: req.method, url: req.url };
    // A bug is an error with its stack; an answer given on purpose (a 4xx, a 501 for what a driver cannot do, a 503 outage) is not.
    if (!p.expected) spec.log.error({ err: p.error, request_id: req.requestId, method: req.method, url: req.url }, `unexpected ${spec.name} API error`);
    else if (p.status >= 500) spec.log.warn(where, 'request failed');
    else spec.log.info(where, 'request failed');
    if (req.microversion && spec.versions) for (const [h, v] of Object.entries(spec.versions.headers(req.microversion))) reply.header(h, v);
    for (const [h, v] of Object.entries(shown.headers)) reply.header(h, v);
    // A dependency is down (database, bus, identity service): tell the client when to try again.
    if (shown.status === 503 && !Object.keys(shown.headers).some((h) => h.toLowerCase() === 'retry-after')) reply.header('Retry-After', String(RETRY_AFTER_SEC));
    const out = spec.errors.render(shown, { method: req.method, headers: req.headers, baseUrl: baseUrlOf(req, spec.publicUrl) });
    for (const [h, v] of Object.entries(out.headers ?? {})) reply.header(h, v);
    // An error before the body was read (an upload refused up front): do not wait for the rest of it.
    if (!req.raw.complete) reply.header('connection', 'close');
    return reply
      .code(shown.status)
      .type(out.type)
      .send(typeof out.body === 'string' ? out.body : JSON.stringify(out.body));
  }

  app.setErrorHandler((err, req, reply) => sendProblem(req, reply, problemOf(err)));

  const groups = groupRoutes(spec.routes);
  const patterns = [...groups.values()].map((g) => ({ re: pathPattern(g.path), method: g.method }));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '/';
    const allowed = spec.methodNotAllowed ? [...new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method))] : [];
    if (allowed.length) return sendProblem(req, reply, problem(405, 'Method Not Allowed', { allow: allowed.join(', ') }));
    return sendProblem(req, reply, problem(404, 'The resource could not be found.'));
  });

  for (const { method, path, variants } of groups.values()) {
    app.route({
      method,
      url: path,
      handler: async (req, reply) => {
        let row: Route<C> | undefined = variants[0];
        if (spec.versions && !variants.every((v) => v.public && !v.minVersion && !v.maxVersion)) {
          const version = spec.versions.negotiate(req.headers);
          req.microversion = version;
          for (const [h, v] of Object.entries(spec.versions.headers(version))) reply.header(h, v);
          row = variants.find((r) => inRange(r, version));
        }
        if (!row) return sendProblem(req, reply, problem(404, 'The resource could not be found.'));
        const search = searchOf(req.url);
        const base: HttpRequest = {
          method,
          params: paramsOf(req),
          query: queryOf(search),
          search,
          body: spec.bodies === 'stream' ? undefined : req.body,
          stream: streamOf(req),
          headers: req.headers,
          baseUrl: baseUrlOf(req, spec.publicUrl),
          requestId: req.requestId,
          remoteAddress: req.socket.remoteAddress ?? '',
        };
        const extra = await spec.context(base, row, req.microversion);
        const call = () => row.handler({ ...base, ...extra });
        const res: HttpResponse = await (spec.around ? spec.around(extra, call) : call());
        reply.code(res.status);
        for (const [h, v] of Object.entries(res.headers ?? {})) reply.header(h, v);
        if (res.stream) return reply.send(res.stream);
        if (res.raw) return reply.send(res.raw);
        if (res.body === undefined) return reply.type('application/json').send();
        return reply.type('application/json').send(JSON.stringify(res.body));
      },
    });
  }
  return app;
}

/** The unread body: what the stream parser passed on, or the raw request. */
function streamOf(req: FastifyRequest): Readable {
  const b: unknown = req.body;
  return b instanceof Readable ? b : req.raw;
}
