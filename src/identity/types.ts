import type { HttpRequest, HttpResponse, Route } from '../http/route.ts';
import { routeFor } from '../http/route.ts';
import type { Logger } from '../log.ts';
import type { IdentityDb } from './db/index.ts';
import { unauthorized } from './errors.ts';
import type { TokenData, TokenProvider } from './token-provider.ts';

/** What the identity resources need. */
export interface IdentityDeps {
  readonly db: IdentityDb;
  readonly tokens: TokenProvider;
  readonly log: Logger;
}

/** What the identity service adds to every request: the caller's validated token (null on public routes). */
export interface IdentityCall {
  readonly caller: TokenData | null;
}

/** A request as an identity handler sees it; `P` (the route's path) types `params`. */
export type IdentityRequest<P extends string = string> = HttpRequest<P> & IdentityCall;
/** What a handler answers. */
export type IdentityResponse = HttpResponse;
/** One row of the identity route table (full paths, e.g. /v3/projects/:project_id). */
export type IdentityRoute = Route<IdentityCall>;
/** A row whose handler's `req.params` is typed by its path. */
export const route = routeFor<IdentityCall>();

/** The caller's token, or 401 when the route got none. */
export function callerOf(req: IdentityRequest): TokenData {
  if (!req.caller) throw unauthorized();
  return req.caller;
}

export { noContent, ok } from '../http/route.ts';
/** 201 with a body. */
export const created = (body: unknown): IdentityResponse => ({ status: 201, body });

/** The last value of a query parameter. */
export function queryOne(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.at(-1) : v;
}

/** Keystone's query_filter_is_true: present and not "0"/"false" (any case) is true. */
export function queryFlag(v: string | string[] | undefined): boolean | undefined {
  const s = queryOne(v);
  if (s === undefined) return undefined;
  return !['0', 'false', 'no', 'off'].includes(s.toLowerCase());
}
