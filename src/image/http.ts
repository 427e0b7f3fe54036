/** The image API's request/response types, route table row and body helpers. */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { NovaConfig } from '../conf/loader.ts';
import type { RequestContext } from '../context.ts';
import type { Logger } from '../log.ts';
import type { ImageRepository } from './db/images.ts';
import type { MemberRepository } from './db/members.ts';
import { badRequest, GlanceError } from './errors.ts';
import type { FilesystemStore } from './store.ts';

/** What every image API handler works with. */
export interface ImageApiDeps {
  readonly images: ImageRepository;
  readonly members: MemberRepository;
  readonly store: FilesystemStore;
  readonly conf: NovaConfig['glance_api'];
  readonly log: Logger;
}

/** One request as a handler sees it. */
export interface ImageRequest {
  readonly ctx: RequestContext;
  readonly params: Readonly<Record<string, string>>;
  /** The query string, repeated keys kept (`tag=a&tag=b`). */
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The request body, not yet read (JSON handlers use readJson). */
  readonly body: Readable;
  /** e.g. http://127.0.0.1:9292 */
  readonly baseUrl: string;
}

/** What a handler answers: JSON, a data stream, or nothing. */
export interface ImageResponse {
  status: number;
  /** A JSON body. */
  body?: unknown;
  /** A binary body (image data), sent as application/octet-stream. */
  stream?: Readable;
  headers?: Record<string, string>;
}

/** A route handler. */
export type ImageHandler = (req: ImageRequest) => Promise<ImageResponse>;
/** HTTP methods the image API routes. */
export type ImageMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One row of the route table. */
export interface ImageRoute {
  readonly method: ImageMethod;
  /** Full path, with :params. */
  readonly path: string;
  readonly handler: ImageHandler;
}

/** Largest JSON body accepted. */
export const MAX_JSON_BODY = 1024 * 1024;

/**
 * Read and parse a JSON body; undefined when there is none. 400 "Malformed
 * JSON in request body." as Glance's JSONRequestDeserializer; 413 beyond
 * MAX_JSON_BODY.
 */
export async function readJson(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) {
      body.destroy();
      throw new GlanceError(413, { explanation: `The request body is larger than ${MAX_JSON_BODY} bytes.`, headers: { connection: 'close' } });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest('Malformed JSON in request body.');
  }
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
