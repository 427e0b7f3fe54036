import type { RequestContext } from '../context.ts';
import type { Microversion } from './microversion.ts';

/** What a resource handler gets: the caller, the negotiated microversion and the request parts. */
export interface ApiRequest {
  readonly ctx: RequestContext;
  readonly version: Microversion;
  readonly params: Readonly<Record<string, string>>;
  /** Query parameters; repeated ones become arrays. */
  readonly query: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
  /** e.g. http://127.0.0.1:8774 (or [api] compute_link_prefix). */
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH';

/** One row of the route table. */
export interface Route {
  readonly method: HttpMethod;
  /** Path under /v2.1, with :params. */
  readonly path: string;
  readonly handler: Handler;
  /** Microversion range in which the route exists (404 outside, as Nova). */
  readonly minVersion?: string;
  readonly maxVersion?: string;
  /** Answer without authentication (version documents). */
  readonly public?: boolean;
  /**
   * The Nova policy name of the operation, for the 403 message. Writes
   * (anything but GET/HEAD) need the member role (or admin), as Nova's
   * PROJECT_MEMBER_OR_ADMIN default: a reader may only read.
   */
  readonly policy?: string;
}

export const ok = (body: unknown, status = 200): ApiResponse => ({ status, body });
export const noContent = (): ApiResponse => ({ status: 204 });
