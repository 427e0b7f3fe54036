/**
 * The errors of the server actions that image, shelve, rescue and
 * administer a server (Nova's messages; each crosses the bus by its class
 * name, so nova-api answers a compute host's refusal with Nova's status).
 */
import { Conflict, Invalid, registerErrors } from './base.ts';

/** changePassword could not be done (409 in the API): the guest is not running, or the driver failed. */
export class InstancePasswordSetFailed extends Conflict {
  static of(uuid: string, reason: string): InstancePasswordSetFailed {
    return new InstancePasswordSetFailed(`Failed to set admin password on ${uuid} because ${reason}`, { instance: uuid, reason });
  }
}

/** 400: the instance cannot be rescued (volume-backed, or the driver failed). */
export class InstanceNotRescuable extends Invalid {
  static of(uuid: string, reason: string): InstanceNotRescuable {
    return new InstanceNotRescuable(`Instance ${uuid} cannot be rescued: ${reason}`, { instance_id: uuid, reason });
  }
}

/** 400: the rescue image cannot be found or used. */
export class UnsupportedRescueImage extends Invalid {
  static of(image: string): UnsupportedRescueImage {
    return new UnsupportedRescueImage(`Requested rescue image '${image}' is not supported`, { image });
  }
}

/** 409: a zone or host was given to unshelve a server that is not offloaded. */
export class UnshelveInstanceInvalidState extends Conflict {
  static of(uuid: string, state: string): UnshelveInstanceInvalidState {
    return new UnshelveInstanceInvalidState(
      `Specifying an availability zone or a host when unshelving server "${uuid}" with status "${state}" is not supported. The server status must be SHELVED_OFFLOADED.`,
      { instance_uuid: uuid, state },
    );
  }
}

/** 409: the host asked for is not in the zone the server is (or is asked to be) pinned to. */
export class UnshelveHostNotInAZ extends Conflict {
  static of(host: string, zone: string): UnshelveHostNotInAZ {
    return new UnshelveHostNotInAZ(`Host "${host}" is not in the availability zone "${zone}".`, { host, availability_zone: zone });
  }
}

/** 400: the host's driver cannot inject an NMI (Nova's TriggerCrashDumpNotSupported). */
export class TriggerCrashDumpNotSupported extends Invalid {
  static create(): TriggerCrashDumpNotSupported {
    return new TriggerCrashDumpNotSupported('Triggering crash dump is not supported');
  }
}

registerErrors(InstancePasswordSetFailed, InstanceNotRescuable, UnsupportedRescueImage, UnshelveInstanceInvalidState, UnshelveHostNotInAZ, TriggerCrashDumpNotSupported);
