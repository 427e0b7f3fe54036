import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, LogController } from 'fastify';
import { newRequestId } from '../context.ts';
import { NovaError } from '../exception/base.ts';
import type { Logger } from '../log.ts';
import { errorBody, unauthorized } from './errors.ts';
import type { TokenData, TokenProvider } from './token-provider.ts';
import type { IdentityRoute } from './types.ts';

/** What {@link buildIdentityApp} is built from. */
export interface IdentityAppOptions {
  routes: readonly IdentityRoute[];
  tokens: TokenProvider;
  log: Logger;
  /** [identity] public_url: base of links and of WWW-Authenticate instead of the request's host. */
  publicUrl?: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    identityRequestId: string;
  }
}

const MALFORMED = 'Malformed request body';

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function baseUrlOf(req: FastifyRequest, publicUrl: string | null | undefined): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  const proto = header(req, 'x-forwarded-proto') ?? req.protocol;
  return `${proto}://${req.headers.host ?? 'localhost'}`;
}

/** The status and message of any error, as Keystone would answer it (never a stack, never a 500 for bad input). */
function describeError(err: unknown): { status: number; message: string } {
  if (err instanceof NovaError) return { status: err.message === MALFORMED ? 400 : err.status, message: err.message };
  const fe = err as { statusCode?: number; code?: string; message?: string };
  if (fe.statusCode && fe.statusCode < 500) {
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return { status: 413, message: 'Request is too large.' };
    return { status: fe.statusCode, message: fe.message ?? 'Bad request' };
  }
  return { status: 500, message: 'An unexpected error prevented the server from fulfilling your request.' };
}

/**
 * The identity API (a Keystone v3 subset) as a Fastify app: request ids,
 * X-Auth-Token validation for every non-public route, Keystone's error
 * bodies (`{"error": {"code", "message", "title"}}`, WWW-Authenticate on
 * 401) and the explicit route table.
 */
export function buildIdentityApp(opts: IdentityAppOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: opts.log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    bodyLimit: 1024 * 1024,
  });
  app.decorateRequest('identityRequestId', '');

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new NovaError(MALFORMED) as Error & { statusCode?: number }, undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    req.identityRequestId = newRequestId();
    reply.header('x-openstack-request-id', req.identityRequestId);
    reply.header('vary', 'X-Auth-Token');
  });

  // One line per request; never tokens or bodies.
  app.addHook('onResponse', async (req, reply) => {
    const url = req.url.split('?')[0];
    opts.log.info({ request_id: req.identityRequestId, method: req.method, url, status: reply.statusCode, time_ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  });

  app.setErrorHandler((err, req, reply) => {
    const { status, message } = describeError(err);
    if (status >= 500) req.log.error({ err, request_id: req.identityRequestId, url: req.url.split('?')[0] }, 'unexpected identity API error');
    if (status === 401) reply.header('www-authenticate', `Keystone uri="${baseUrlOf(req, opts.publicUrl)}"`);
    reply.code(status).type('application/json').send(errorBody(status, message));
  });

  app.setNotFoundHandler((_req, reply) => {
    reply.code(404).type('application/json').send(errorBody(404, 'The resource could not be found.'));
  });

  for (const route of opts.routes) {
    app.route({
      method: route.method,
      url: route.path,
      handler: async (req, reply) => {
        let caller: TokenData | null = null;
        if (!route.public) {
          const token = header(req, 'x-auth-token');
          if (!token) throw unauthorized();
          caller = await opts.tokens.validate(token);
          if (!caller) throw unauthorized();
        }
        const res = await route.handler({
          params: req.params as Record<string, string>,
          query: req.query as Record<string, string | string[]>,
          body: req.body,
          headers: req.headers,
          baseUrl: baseUrlOf(req, opts.publicUrl),
          requestId: req.identityRequestId,
          caller,
        });
        reply.code(res.status);
        for (const [h, v] of Object.entries(res.headers ?? {})) reply.header(h, v);
        reply.type('application/json');
        return res.body === undefined ? reply.send() : res.body;
      },
    });
  }
  return app;
}
