/**
 * The route table every REST service of the project is built from: one row
 * per method and path, a handler that gets the request as the kernel parsed
 * it plus what the service adds (the caller, a microversion), and answers a
 * status, a JSON body or a stream, and headers.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** The `:name` segments of a path pattern, e.g. 'id' | 'key' for '/servers/:id/metadata/:key'. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}` ? Name | ParamNames<Rest> : P extends `${string}:${infer Name}` ? Name : never;

/** The path parameters of a pattern, all present as strings. */
export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string };

/** Query parameters; a repeated one becomes an array (in the order given). */
export type Query = Readonly<Record<string, string | string[]>>;

/** A request as the kernel hands it to a handler. */
export interface HttpRequest<P extends string = string> {
  readonly method: HttpMethod;
  readonly params: PathParams<P>;
  readonly query: Query;
  /** The query string as sent, repeated keys kept in order. */
  readonly search: URLSearchParams;
  /** The parsed JSON body (services that parse bodies up front); undefined when empty. */
  readonly body: unknown;
  /** The raw request body, not yet read (services that stream bodies). */
  readonly stream: Readable;
  readonly headers: IncomingHttpHeaders;
  /** Base of links, e.g. http://10.0.0.5:8774 (the service's public URL option, or the request's host). */
  readonly baseUrl: string;
  readonly requestId: string;
  /** The peer's address (the socket's, never a header). */
  readonly remoteAddress: string;
}

/** What a handler answers. */
export interface HttpResponse {
  readonly status: number;
  /** A JSON body. */
  readonly body?: unknown;
  /** A binary body, sent as it comes (image data). */
  readonly stream?: Readable;
  /** A body that is not JSON, sent as it is, typed by a content-type header (default application/octet-stream). */
  readonly raw?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One row of a route table. `C` is what the service adds to every request
 * (its caller, its microversion); `P` the path pattern, which types
 * `req.params`.
 */
export interface Route<C, P extends string = string> {
  readonly method: HttpMethod;
  /** The path with :params, under the service's prefix. */
  readonly path: P;
  /** Answer without authentication (version documents, token issue). */
  readonly public?: boolean;
  /** Microversion range in which the row exists (404 outside it), for services with microversions. */
  readonly minVersion?: string;
  readonly maxVersion?: string;
  /** The policy rule of the operation, for messages. */
  readonly policy?: string;
  /** No policy guards the operation: a caller of any role reaches the handler, writes too (Nova's removed APIs answer 410 to all). */
  readonly unguarded?: boolean;
  /** Declared as a method, so a row for '/x/:id' fits in a table of rows for any path. */
  handler(req: HttpRequest<P> & C): Promise<HttpResponse>;
}

/**
 * The row constructor of a service whose requests carry `C`: `route({...})`
 * infers the path, so the handler's `req.params` has exactly its names.
 */
export function routeFor<C>(): <P extends string>(row: Route<C, P>) => Route<C> {
  return (row) => row;
}

/** 200 (or `status`) with a JSON body. */
export const ok = (body: unknown, status = 200): HttpResponse => ({ status, body });
/** 204 No Content. */
export const noContent = (): HttpResponse => ({ status: 204 });
