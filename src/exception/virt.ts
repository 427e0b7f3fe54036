import { NovaError, registerErrors } from './base.ts';

/** The driver has no console of this type. */
export class ConsoleTypeUnavailable extends NovaError {
  override readonly status = 400;
  static of(type: string): ConsoleTypeUnavailable {
    return new ConsoleTypeUnavailable(`Unavailable console type ${type}.`, { console_type: type });
  }
}

/** The driver failed; the message says how. */
export class HypervisorError extends NovaError {}

/** The driver cannot do this at all. */
export class DriverNotSupported extends NovaError {
  override readonly status = 400;
}

registerErrors(ConsoleTypeUnavailable, HypervisorError, DriverNotSupported);
