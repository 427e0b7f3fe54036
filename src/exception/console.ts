import { Conflict, Invalid, NotFound, NovaError, registerErrors } from './base.ts';

/** The instance has no console yet (not scheduled, not running): Nova's InstanceNotReady, 409. */
export class InstanceNotReady extends Conflict {
  static of(instanceId: string): InstanceNotReady {
    return new InstanceNotReady(`Instance ${instanceId} is not ready`, { instance_id: instanceId });
  }
}

/** A console type that does not belong to the protocol asked for (Nova's ConsoleTypeInvalid, 400). */
export class ConsoleTypeInvalid extends Invalid {
  static of(type: string): ConsoleTypeInvalid {
    return new ConsoleTypeInvalid(`Invalid console type ${type}`, { console_type: type });
  }
}

/** No such console token, or it expired. */
export class ConsoleTokenNotFound extends NotFound {}

/** The certificate authority files are missing or unreadable (Nova's CryptoCAFileNotFound). */
export class CryptoCAFileNotFound extends NotFound {}

/** nova-cert could not create or use its CA. */
export class CertError extends NovaError {}

registerErrors(InstanceNotReady, ConsoleTypeInvalid, ConsoleTokenNotFound, CryptoCAFileNotFound, CertError);
