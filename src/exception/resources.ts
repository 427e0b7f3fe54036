import { Conflict, Forbidden, Invalid, NotFound, NovaError, registerErrors } from './base.ts';

export class FlavorNotFound extends NotFound {
  static of(flavorId: string): FlavorNotFound {
    return new FlavorNotFound(`Flavor ${flavorId} could not be found.`, { flavor_id: flavorId });
  }
}
export class FlavorExists extends Conflict {}
export class FlavorIdExists extends Conflict {}
export class FlavorExtraSpecsNotFound extends NotFound {}

export class ServiceNotFound extends NotFound {
  static of(serviceId: string | number): ServiceNotFound {
    return new ServiceNotFound(`Service ${serviceId} could not be found.`, { service_id: serviceId });
  }
}
export class ServiceBinaryExists extends Conflict {}
export class ComputeHostNotFound extends NotFound {
  static of(host: string): ComputeHostNotFound {
    return new ComputeHostNotFound(`Compute host ${host} could not be found.`, { host });
  }
}
export class HypervisorNotFound extends NotFound {}
export class ComputeServiceUnavailable extends NovaError {
  override readonly status = 409;
}

export class KeypairNotFound extends NotFound {
  static of(name: string, userId: string): KeypairNotFound {
    return new KeypairNotFound(`Keypair ${name} not found for user ${userId}`, { name, user_id: userId });
  }
}
export class KeyPairExists extends Conflict {
  static of(name: string): KeyPairExists {
    return new KeyPairExists(`Key pair '${name}' already exists.`, { key_name: name });
  }
}
export class InvalidKeypair extends Invalid {}

export class QuotaError extends Forbidden {}
export class OverQuota extends Forbidden {}

/** The scheduler found no host for the request. */
export class NoValidHost extends NovaError {
  static of(reason: string): NoValidHost {
    return new NoValidHost(`No valid host was found. ${reason}`.trim(), { reason });
  }
}
/** Claiming resources on a host failed (someone else took them first). */
export class ClaimFailed extends Conflict {}
/** A build failed on one host and may be retried on another. */
export class RescheduledException extends NovaError {}
export class BuildAbortException extends NovaError {}

registerErrors(
  FlavorNotFound,
  FlavorExists,
  FlavorIdExists,
  FlavorExtraSpecsNotFound,
  ServiceNotFound,
  ServiceBinaryExists,
  ComputeHostNotFound,
  HypervisorNotFound,
  ComputeServiceUnavailable,
  KeypairNotFound,
  KeyPairExists,
  InvalidKeypair,
  QuotaError,
  OverQuota,
  NoValidHost,
  ClaimFailed,
  RescheduledException,
  BuildAbortException,
);

export class ImageNotFound extends NotFound {
  static of(imageId: string): ImageNotFound {
    return new ImageNotFound(`Image ${imageId} could not be found.`, { image_id: imageId });
  }
}
registerErrors(ImageNotFound);
