/**
 * The network API as a Fastify app on the HTTP kernel: the versions
 * document at `/` and the v2.0 resource index (no token needed), the route
 * table behind authentication, Neutron's error bodies for every error, and
 * the `.json` suffix python-neutronclient appends to paths.
 */
import type { FastifyInstance } from 'fastify';
import { runWithContext } from '../context.ts';
import { buildHttpApp } from '../http/app.ts';
import type { Authenticator } from '../http/auth.ts';
import type { Logger } from '../log.ts';
import { NEUTRON_ERRORS } from './errors.ts';
import { json, type NetworkCall, type NetworkRoute, route } from './http.ts';

/** What buildNetworkApp needs. */
export interface NetworkAppOptions {
  readonly routes: readonly NetworkRoute[];
  readonly auth: Authenticator;
  readonly log: Logger;
  /** `[neutron_server] network_link_prefix`: base of links instead of the request's host. */
  readonly publicUrl?: string | null;
}

/** The core resources GET /v2.0/ lists (neutron.pecan_wsgi.controllers.root V2Controller). */
const CORE = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['subnetpool', 'subnetpools'],
  ['port', 'ports'],
] as const;

/** Strip a trailing `.json` from the path (python-neutronclient sends /v2.0/networks.json). */
export function stripJsonSuffix(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return path.endsWith('.json') ? `${path.slice(0, -5)}${q < 0 ? '' : url.slice(q)}` : url;
}

export function buildNetworkApp(opts: NetworkAppOptions): FastifyInstance {
  const documents: NetworkRoute[] = [
    route({
      method: 'GET',
      path: '/',
      public: true,
      handler: async (req) => json({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${req.baseUrl}/v2.0/` }] }] }),
    }),
    route({
      method: 'GET',
      path: '/v2.0',
      public: true,
      handler: async (req) => json({ resources: CORE.map(([name, collection]) => ({ name, collection, links: [{ rel: 'self', href: `${req.baseUrl}/v2.0/${collection}` }] })) }),
    }),
  ];
  return buildHttpApp<NetworkCall>({
    name: 'network',
    routes: [...documents, ...opts.routes],
    log: opts.log,
    errors: NEUTRON_ERRORS,
    methodNotAllowed: true,
    malformedMessage: 'Malformed request body',
    publicUrl: opts.publicUrl ?? null,
    rewriteUrl: stripJsonSuffix,
    async context(req, row) {
      if (row.public) return { ctx: { request_id: req.requestId, user_id: null, project_id: null, roles: [], is_admin: false } };
      return { ctx: await opts.auth.authenticate(req.headers, req.requestId) };
    },
    around: (call, handler) => runWithContext(call.ctx, handler),
  });
}
