import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { runWithContext } from '../context.ts';
import { buildHttpApp, type ErrorFormat } from '../http/app.ts';
import type { Authenticator } from '../http/auth.ts';
import type { HttpMethod } from '../http/route.ts';
import type { Logger } from '../log.ts';
import { forbidden, GlanceError, renderError, unauthorizedBody } from './errors.ts';
import { header, type ImageCall, type ImageRoute, mediaType, route } from './http.ts';
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

/** Glance's wording of every error (webob's, by the Accept header; keystonemiddleware's for 401). */
const GLANCE_ERRORS: ErrorFormat = {
  internalMessage: 'The server has either erred or is incapable of performing the requested operation.',
  render(p, req) {
    const ge =
      p.error instanceof GlanceError ? p.error : new GlanceError(p.expected ? p.status : 500, { explanation: p.expected ? p.message : undefined, headers: { ...p.headers } });
    if (ge.status === 401) return { body: unauthorizedBody(ge.message), type: 'application/json', headers: ge.headers };
    const { body, type } = renderError(ge, { method: req.method, accept: header(req.headers, 'accept'), contentType: mediaType(req.headers) });
    return { body, type: `${type}; charset=UTF-8`, headers: ge.headers };
  },
};

/**
 * The image API as a Fastify app: version negotiation, request ids,
 * authentication through the injected Authenticator, the route table, and
 * Glance's (webob's) error bodies for every error. Request bodies are not
 * parsed up front: JSON handlers read them, the upload streams them.
 */
export function buildImageApp(opts: ImageAppOptions): FastifyInstance {
  const documents: ImageRoute[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].flatMap((method) =>
    isMethod(method) ? [route({ method, path: '/', public: true, handler: async (req) => ({ status: 300, body: versionsDocument(opts.publicEndpoint ?? req.baseUrl) }) })] : [],
  );
  documents.push(route({ method: 'GET', path: '/versions', public: true, handler: async (req) => ({ status: 200, body: versionsDocument(opts.publicEndpoint ?? req.baseUrl) }) }));
  return buildHttpApp<ImageCall>({
    name: 'image',
    routes: [...documents, ...opts.routes],
    log: opts.log,
    errors: GLANCE_ERRORS,
    bodies: 'stream',
    methodNotAllowed: true,
    maxParamLength: 4096,
    socketTimeoutSec: opts.socketTimeoutSec ?? 0,
    rewriteUrl: (url, headers) => negotiateUrl(url, header(headers, 'accept')),
    async context(req, row) {
      if (row.public) return { ctx: { request_id: req.requestId, user_id: null, project_id: null, roles: [], is_admin: false } };
      const ctx = await opts.auth.authenticate(authHeaders(req.headers), req.requestId);
      // Glance's secure-RBAC defaults: writes need the member role in the project (or admin); a reader only reads.
      if (row.policy && !ctx.is_admin && !ctx.roles.includes('member')) throw forbidden(`You are not authorized to complete ${row.policy} action.`);
      return { ctx };
    },
    around: (call, handler) => runWithContext(call.ctx, handler),
  });
}

function isMethod(m: string): m is HttpMethod {
  return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].includes(m);
}
