/**
 * Errors as the kernel sees them: whatever a handler, a parser or Fastify
 * throws becomes a Problem (status, message, headers), which the service's
 * own ErrorFormat renders in its wire format.
 */
import { NovaError } from '../exception/base.ts';

/** An HTTP error raised by an API layer itself, with optional response headers. */
export class HttpError extends NovaError {
  override readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

/** A body that is not JSON: every service answers 400 (in its own words). */
export class MalformedBody extends HttpError {
  constructor(message = 'Malformed request body') {
    super(400, message);
  }
}

/** What went wrong, before a service words it. */
export interface Problem {
  readonly status: number;
  /** The message for the client; for 5xx the service's generic text replaces it. */
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The original error (services with richer error classes render from it). */
  readonly error: unknown;
  /** Raised on purpose (a NovaError, a refused request); false for a bug, whose message the client never sees. */
  readonly expected: boolean;
}

interface FastifyLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
}

function isFastifyLike(e: unknown): e is FastifyLikeError {
  return typeof e === 'object' && e !== null && ('statusCode' in e || 'code' in e);
}

/**
 * Classify any thrown value. NovaErrors keep their status and message;
 * Fastify's own 4xx (a body over the limit, a bad content type) keep
 * theirs; anything else is an unexpected 500, whose message the service
 * replaces with its generic one.
 */
export function problemOf(err: unknown): Problem {
  if (err instanceof NovaError) {
    const headers = err instanceof HttpError ? err.headers : {};
    return { status: err.status, message: err.message, headers, error: err, expected: true };
  }
  if (isFastifyLike(err) && err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    const message = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'Request is too large.' : (err.message ?? 'Bad request');
    return { status: err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 413 : err.statusCode, message, headers: {}, error: err, expected: true };
  }
  return { status: 500, message: 'Internal error', headers: {}, error: err, expected: false };
}

/** A problem the kernel itself finds (no route, wrong method). */
export function problem(status: number, message: string, headers: Record<string, string> = {}): Problem {
  return { status, message, headers, error: null, expected: true };
}
