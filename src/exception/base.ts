/**
 * The error hierarchy. Every error that a client or an RPC peer may see is a
 * NovaError with a stable class name (it crosses the bus by that name) and an
 * HTTP status (used by the API's one error handler).
 */
export class NovaError extends Error {
  /** HTTP status the API answers with when this error reaches it. */
  readonly status: number = 500;
  /** Extra data that crosses RPC with the error. */
  readonly kwargs: Readonly<Record<string, unknown>>;

  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.kwargs = kwargs;
  }
}

export class Invalid extends NovaError {
  override readonly status = 400;
}
export class Forbidden extends NovaError {
  override readonly status = 403;
}
export class NotFound extends NovaError {
  override readonly status = 404;
}
export class Conflict extends NovaError {
  override readonly status = 409;
}
export class NotImplementedYet extends NovaError {
  override readonly status = 501;
}

/** Bad configuration: names the file, section and option. Services exit on it at start. */
export class ConfigError extends NovaError {}

type ErrorClass = new (message: string, kwargs?: Record<string, unknown>) => NovaError;
const registry = new Map<string, ErrorClass>();

/** Make error classes known to the RPC layer, so a remote error is rebuilt as the same class. */
export function registerErrors(...classes: ErrorClass[]): void {
  for (const c of classes) registry.set(c.name, c);
}

export function lookupError(name: string): ErrorClass | undefined {
  return registry.get(name);
}

registerErrors(NovaError, Invalid, Forbidden, NotFound, Conflict, NotImplementedYet, ConfigError);
