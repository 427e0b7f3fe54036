/**
 * The identity API (a Keystone v3 subset) on the HTTP kernel: X-Auth-Token
 * validation for every non-public route and Keystone's error bodies
 * (`{"error": {"code", "message", "title"}}`, WWW-Authenticate on 401).
 */
import type { FastifyInstance } from 'fastify';
import { buildHttpApp, type ErrorFormat } from '../http/app.ts';
import type { Logger } from '../log.ts';
import { errorBody, unauthorized } from './errors.ts';
import type { TokenProvider } from './token-provider.ts';
import type { IdentityCall, IdentityRoute } from './types.ts';

/** What {@link buildIdentityApp} is built from. */
export interface IdentityAppOptions {
  routes: readonly IdentityRoute[];
  tokens: TokenProvider;
  log: Logger;
  /** [identity] public_url: base of links and of WWW-Authenticate instead of the request's host. */
  publicUrl?: string | null;
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The identity API as a Fastify app. */
export function buildIdentityApp(opts: IdentityAppOptions): FastifyInstance {
  const errors: ErrorFormat = {
    internalMessage: 'An unexpected error prevented the server from fulfilling your request.',
    render: (p, req) => {
      const headers: Record<string, string> = p.status === 401 ? { 'www-authenticate': `Keystone uri="${req.baseUrl}"` } : {};
      return { body: errorBody(p.status, p.message), type: 'application/json', headers };
    },
  };
  return buildHttpApp<IdentityCall>({
    name: 'identity',
    routes: opts.routes,
    log: opts.log,
    errors,
    publicUrl: opts.publicUrl ?? null,
    malformedMessage: 'Malformed request body',
    responseHeaders: () => ({ vary: 'X-Auth-Token' }),
    async context(req, row) {
      if (row.public) return { caller: null };
      const token = header(req.headers, 'x-auth-token');
      const caller = token ? await opts.tokens.validate(token) : null;
      if (!caller) throw unauthorized();
      return { caller };
    },
  });
}
