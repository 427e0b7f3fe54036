/**
 * The errors the nova client reports, each printed as one line
 * `ERROR (<Kind>): <message>` exactly as python-novaclient does.
 */

/** An error shown to the user as `ERROR (<kind>): <message>`. */
export class CliError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
    this.name = kind;
  }
}

/** A usage or lookup problem detected by the client itself (novaclient's CommandError). */
export class CommandError extends CliError {
  constructor(message: string) {
    super('CommandError', message);
  }
}

/** novaclient's exception class names by HTTP status (novaclient.exceptions._code_map). */
const KINDS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  413: 'OverLimit',
  429: 'RateLimit',
  501: 'HTTPNotImplemented',
};

/** An HTTP error answered by the API: `<fault message> (HTTP <status>) (Request-ID: <id>)`. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly faultMessage: string,
    readonly requestId: string | null,
  ) {
    super(KINDS[status] ?? 'ClientException', `${faultMessage} (HTTP ${status})${requestId ? ` (Request-ID: ${requestId})` : ''}`);
  }
}

/** Is this an API answer with the given status (404 by default)? */
export function isStatus(e: unknown, status = 404): e is ApiError {
  return e instanceof ApiError && e.status === status;
}

/**
 * The fault message of an error body as Nova (`{"itemNotFound": {"message": …}}`),
 * WebOb (`{"message": …}`) or Keystone (`{"error": {"message": …}}`) writes it.
 */
export function faultMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    if (typeof o.message === 'string') return o.message;
    const first = Object.values(o)[0];
    if (first && typeof first === 'object' && typeof (first as Record<string, unknown>).message === 'string') return (first as Record<string, string>).message as string;
  }
  const trimmed = text.trim();
  return trimmed ? trimmed.split('\n')[0]!.slice(0, 500) : 'n/a';
}

/** The ApiError for a non-2xx response. */
export function errorFromResponse(status: number, headers: Headers, text: string): ApiError {
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const requestId = headers.get('x-compute-request-id') ?? headers.get('x-openstack-request-id');
  return new ApiError(status, faultMessage(body, text), requestId);
}

/** A request that never got an answer: refused, unresolvable, reset or timed out. */
export function connectionError(url: string, err: unknown): CliError {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new CliError('ConnectTimeout', `Request to ${url} timed out`);
  const reason = e?.cause?.message ?? e?.cause?.code ?? e?.message ?? String(err);
  return new CliError('ConnectFailure', `Unable to establish connection to ${url}: ${reason}`);
}

/** The single line printed for any error: never a stack trace. */
export function formatError(err: unknown): string {
  if (err instanceof CliError) return `ERROR (${err.kind}): ${err.message}`;
  if (err instanceof Error) return `ERROR (${err.name || 'Error'}): ${err.message}`;
  return `ERROR (Error): ${String(err)}`;
}
