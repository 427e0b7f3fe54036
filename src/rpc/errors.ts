import { NovaError, registerErrors } from '../exception/base.ts';

/** An RPC call got no answer within its timeout (oslo.messaging MessagingTimeout); the API answers 503, as for a bus outage. */
export class MessagingTimeout extends NovaError {
  override readonly status = 503;
}

/** The bus refused or could not route a message (no queue for the target, broker down). */
export class MessageDeliveryFailure extends NovaError {
  override readonly status = 503;
}

/** The server cannot handle the requested RPC API version. */
export class UnsupportedVersion extends NovaError {}

/** The server has no such method on any endpoint. */
export class NoSuchMethod extends NovaError {}

/**
 * A failure raised by the remote side whose class is unknown here. Known
 * NovaError subclasses are rebuilt as themselves instead.
 */
export class RemoteError extends NovaError {
  constructor(
    readonly excType: string,
    message: string,
  ) {
    super(`Remote error: ${excType} ${message}`, { exc_type: excType });
  }
}

registerErrors(MessagingTimeout, MessageDeliveryFailure, UnsupportedVersion, NoSuchMethod);
