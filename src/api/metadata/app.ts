/**
 * nova-api-metadata on the HTTP kernel: every path, by any method, goes to
 * the metadata handler (Nova's metadata app answers the tree by its own
 * lookup, not a route table). Bodies are left unread: only a password POST
 * reads one.
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../http/app.ts';
import { type HttpMethod, type Route, routeFor } from '../../http/route.ts';
import type { Logger } from '../../log.ts';
import { METADATA_ERRORS } from './errors.ts';
import type { MetadataRequestHandler } from './handler.ts';

const route = routeFor<object>();
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'DELETE'];

/** The metadata service's Fastify app. */
export function buildMetadataApp(handler: MetadataRequestHandler, log: Logger): FastifyInstance {
  const routes: Route<object>[] = METHODS.map((method) =>
    route({ method, path: '/*', public: true, unguarded: true, handler: (req) => handler.handle(req, `/${(req.params as Record<string, string>)['*'] ?? ''}`) }),
  );
  return buildHttpApp<object>({
    name: 'metadata',
    routes,
    log,
    errors: METADATA_ERRORS,
    bodies: 'stream',
    maxParamLength: 4096,
    context: async () => ({}),
  });
}
