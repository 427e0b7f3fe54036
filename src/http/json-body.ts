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

/**
 * Parse a JSON body; undefined for an empty one. Malformed or too deep:
 * MalformedBody with `message` (each service has its words for it).
 */
export function parseJsonBody(text: string, message?: string): unknown {
  if (text.trim() === '') return undefined;
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new MalformedBody(message);
  try {
    return JSON.parse(text);
  } catch {
    throw new MalformedBody(message);
  }
}

/** Read a whole body from a stream (services that stream most bodies), 413 beyond `limit` bytes. */
export async function readBody(body: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > limit) {
      body.destroy();
      throw new HttpError(413, `The request body is larger than ${limit} bytes.`, { connection: 'close' });
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}
