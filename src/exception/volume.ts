/**
 * Nova's block storage exceptions (nova/exception.py): what the Cinder
 * client turns the volume service's refusals into, and what the volume
 * attachment and block device mapping code raises.
 */
import { Conflict, Invalid, NotFound, NovaError, registerErrors } from './base.ts';

/** The volume service could not be reached (CinderConnectionFailed; the API answers 503). */
export class CinderConnectionFailed extends NovaError {
  override readonly status = 503;
  static of(reason: string): CinderConnectionFailed {
    return new CinderConnectionFailed(`Connection to cinder host failed: ${reason}`, { reason });
  }
}
export class VolumeNotFound extends NotFound {
  static of(volumeId: string): VolumeNotFound {
    return new VolumeNotFound(`Volume ${volumeId} could not be found.`, { volume_id: volumeId });
  }
}
export class SnapshotNotFound extends NotFound {
  static of(snapshotId: string): SnapshotNotFound {
    return new SnapshotNotFound(`Snapshot ${snapshotId} could not be found.`, { snapshot_id: snapshotId });
  }
}
export class VolumeAttachmentNotFound extends NotFound {
  static of(attachmentId: string): VolumeAttachmentNotFound {
    return new VolumeAttachmentNotFound(`Volume attachment ${attachmentId} could not be found.`, { attachment_id: attachmentId });
  }
}
/** No BDM of the instance for the volume (VolumeBDMNotFound). */
export class VolumeBDMNotFound extends NotFound {
  static of(volumeId: string): VolumeBDMNotFound {
    return new VolumeBDMNotFound(`No volume Block Device Mapping with id ${volumeId}.`, { volume_id: volumeId });
  }
}
/** The volume is not attached to the instance (VolumeUnattached; os-volume_attachments answers 404). */
export class VolumeUnattached extends NotFound {
  static of(volumeId: string): VolumeUnattached {
    return new VolumeUnattached(`Volume ${volumeId} is not attached to anything`, { volume_id: volumeId });
  }
}
/** InvalidVolume: 'Invalid volume: <reason>'. */
export class InvalidVolume extends Invalid {
  static of(reason: string): InvalidVolume {
    return new InvalidVolume(`Invalid volume: ${reason}`, { reason });
  }
}
/** Cinder's BadRequest (InvalidInput). */
export class InvalidInput extends Invalid {
  static of(reason: string): InvalidInput {
    return new InvalidInput(`Invalid input received: ${reason}`, { reason });
  }
}
/** Cinder's 403. */
export class CinderForbidden extends NovaError {
  override readonly status = 403;
}
/** Cinder's OverLimit (413) as Nova's OverQuota; the API answers 403. */
export class OverQuota extends NovaError {
  override readonly status = 403;
}
/** Any other refusal of the volume service, with its status. */
export class CinderClientError extends NovaError {
  override readonly status: number;
  constructor(message: string, kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
    this.status = typeof kwargs.status_code === 'number' ? kwargs.status_code : 500;
  }
}
/** InvalidBDM and its kin: 'Block Device Mapping is Invalid…'. */
export class InvalidBDM extends Invalid {}
export class InvalidBDMFormat extends InvalidBDM {
  static of(details: string): InvalidBDMFormat {
    return new InvalidBDMFormat(`Block Device Mapping is Invalid: ${details}`, { details });
  }
}
export class VolumeAttachFailed extends Invalid {
  static of(volumeId: string, reason: string): VolumeAttachFailed {
    return new VolumeAttachFailed(`Volume ${volumeId} could not be attached. Reason: ${reason}`, { volume_id: volumeId, reason });
  }
}
/** The host's driver cannot attach volumes (the API answers 400 as for NotImplementedError… Nova's 'Attaching volumes is not supported'). */
export class VolumeAttachNotSupported extends Invalid {
  static of(uuid: string): VolumeAttachNotSupported {
    return new VolumeAttachNotSupported(`Attaching volumes is not supported for instance ${uuid}.`, { instance_uuid: uuid });
  }
}
export class VolumeTaggedAttachNotSupported extends Invalid {
  constructor(message = 'Tagged volume attachment is not supported for this server instance.', kwargs: Record<string, unknown> = {}) {
    super(message, kwargs);
  }
}
/** A volume nova created for a boot did not become available (VolumeNotCreated). */
export class VolumeNotCreated extends NovaError {
  static of(volumeId: string, seconds: number, attempts: number, status: string): VolumeNotCreated {
    return new VolumeNotCreated(`Volume ${volumeId} did not finish being created even after we waited ${seconds} seconds or ${attempts} attempts. And its status is ${status}.`, {
      volume_id: volumeId,
    });
  }
}

registerErrors(
  CinderConnectionFailed,
  VolumeNotFound,
  SnapshotNotFound,
  VolumeAttachmentNotFound,
  VolumeBDMNotFound,
  VolumeUnattached,
  InvalidVolume,
  InvalidInput,
  CinderForbidden,
  OverQuota,
  CinderClientError,
  InvalidBDM,
  InvalidBDMFormat,
  VolumeAttachFailed,
  VolumeAttachNotSupported,
  VolumeTaggedAttachNotSupported,
  VolumeNotCreated,
);

/** Cinder's NotFound of something nova did not name (a create's image or type: Nova's NotFound with Cinder's message). */
export class NotFoundIn extends NotFound {}
registerErrors(NotFoundIn);

/** The requested device name is taken (DevicePathInUse; the API answers 409). */
export class DevicePathInUse extends Conflict {
  static of(path: string): DevicePathInUse {
    return new DevicePathInUse(`The supplied device path (${path}) is in use.`, { path });
  }
}
registerErrors(DevicePathInUse);
