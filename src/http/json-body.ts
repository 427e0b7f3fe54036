/**
 * JSON request bodies: parsed once, refused when malformed or nested
 * deeper than any OpenStack body is (so no later walk over the value can
 * exhaust the stack).
 */
import type { Readable } from 'node:stream';
import { HttpError, MalformedBody } from './errors.ts';

/** Deeper than any body of the OpenStack APIs, shallow enough for every recursive walk. */
export const MAX_JSON_DEPTH = 100;

/** The deepest nesting of arrays and objects in JSON text (strings skipped), without recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text; bytes that are not UTF-8 make it malformed (as Python's json.loads of bytes refuses them). */
export function decodeBody(raw: Buffer, message?: string): string {
  try {
    return UTF8.decode(raw);
  } catch {
    throw new MalformedBody(message);
  }
}

/**
 * Parse a JSON body; undefined for an empty one. Malformed, not UTF-8 or
 * too deep: MalformedBody with `message` (each service has its words for it).
 */
export function parseJsonBody(body: string | Buffer, message?: string): unknown {
  const text = typeof body === 'string' ? body : decodeBody(body, message);
  if (text.trim() === '') return undefined;
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new MalformedBody(message);
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedBody(message);
  }
}

/** Past this much, an oversized body is not even read to its end: the connection is cut. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

/**
 * Read a whole body from a stream (services that stream most bodies). Beyond
 * `limit` bytes the rest is read and dropped, so the client gets its 413
 * instead of a reset connection (only a body past 64 MiB is cut off).
 */
export async function readBody(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > DRAIN_LIMIT) {
      body.destroy();
      break;
    }
    if (size <= limit) chunks.push(b);
  }
  if (size > limit) throw new HttpError(413, `The request body is larger than ${limit} bytes.`, { connection: 'close' });
  return Buffer.concat(chunks);
}
