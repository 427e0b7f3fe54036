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

/** A request as an identity handler sees it. */
export interface IdentityRequest {
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; repeated ones become arrays. */
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The unversioned base URL, e.g. http://127.0.0.1:5000 ([identity] public_url or the request's host). */
  readonly baseUrl: string;
  readonly requestId: string;
  /** The caller's validated X-Auth-Token; null on public routes. */
  readonly caller: TokenData | null;
}

/** What a handler answers: status, JSON body, headers. */
export interface IdentityResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A route handler. */
export type IdentityHandler = (req: IdentityRequest) => Promise<IdentityResponse>;

/** One row of the identity route table. */
export interface IdentityRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** The full path, with :params (e.g. /v3/projects/:project_id). */
  readonly path: string;
  readonly handler: IdentityHandler;
  /** Answer without a token (version documents, POST /v3/auth/tokens). */
  readonly public?: boolean;
}

/** The caller's token, or 401 when the route got none. */
export function callerOf(req: IdentityRequest): TokenData {
  if (!req.caller) throw unauthorized();
  return req.caller;
}

/** 200 (or `status`) with a body. */
export const ok = (body: unknown, status = 200): IdentityResponse => ({ status, body });
/** 201 with a body. */
export const created = (body: unknown): IdentityResponse => ({ status: 201, body });
/** 204. */
export const noContent = (): IdentityResponse => ({ status: 204 });

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
