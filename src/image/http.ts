/** The image API's request/response types, route table row and body helpers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import { parseJsonBody, readBody } from '../http/json-body.ts';
import type { HttpRequest, HttpResponse, Route } from '../http/route.ts';
import { routeFor } from '../http/route.ts';
import type { Logger } from '../log.ts';
import type { ImageRepository } from './db/images.ts';
import type { MemberRepository } from './db/members.ts';
import { badRequest } from './errors.ts';
import type { FilesystemStore } from './store.ts';

/** What every image API handler works with. */
export interface ImageApiDeps {
  readonly images: ImageRepository;
  readonly members: MemberRepository;
  readonly store: FilesystemStore;
  readonly conf: NovaConfig['glance_api'];
  readonly log: Logger;
}

/** What the image service adds to every request: who calls. */
export interface ImageCall {
  readonly ctx: RequestContext;
}

/** One request as a handler sees it (`search`: the query string, repeated keys kept; `stream`: the body, not yet read). */
export type ImageRequest<P extends string = string> = HttpRequest<P> & ImageCall;
/** An image API request whose path has these `:params` (for handlers built apart from their row). */
export type ImageRequestOf<N extends string> = ImageRequest & { readonly params: { readonly [K in N]: string } };
/** What a handler answers: JSON, a data stream, or nothing. */
export type ImageResponse = HttpResponse;
/** One row of the route table (full paths). */
export type ImageRoute = Route<ImageCall>;
/** A row whose handler's `req.params` is typed by its path. */
export const route = routeFor<ImageCall>();

/** Largest JSON body accepted. */
export const MAX_JSON_BODY = 1024 * 1024;

/**
 * Read and parse a JSON body; undefined when there is none. 400 "Malformed
 * JSON in request body." as Glance's JSONRequestDeserializer; 413 beyond
 * MAX_JSON_BODY.
 */
export async function readJson(body: Readable): Promise<unknown> {
  return parseJsonBody(await readBody(body, MAX_JSON_BODY), 'Malformed JSON in request body.');
}

/** readJson, then 400 "Body expected in request." when empty. */
export async function requireJson(body: Readable): Promise<unknown> {
  const v = await readJson(body);
  if (v === undefined) throw badRequest('Body expected in request.');
  return v;
}

/** The media type of a Content-Type header (no parameters, lower case); '' when absent. */
export function mediaType(headers: IncomingHttpHeaders): string {
  return (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** One request header's value (the first when repeated). */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON answer. */
export const json = (body: unknown, status = 200, headers?: Record<string, string>): ImageResponse => ({ status, body, headers });
/** 204 No Content. */
export const noContent = (): ImageResponse => ({ status: 204 });
