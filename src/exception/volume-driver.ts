import { Invalid, NotFound, NovaError, registerErrors } from './base.ts';

/**
 * Errors of a volume driver (src/volume/driver.ts), which the volume service
 * shows as they are. A tool's failure carries its stderr in the message.
 */

/** The storage failed (qemu-img, qemu-storage-daemon, the file system); the message says how. Cinder's VolumeBackendAPIException. */
export class VolumeDriverError extends NovaError {
  static tool(binary: string, args: readonly string[], stderr: string): VolumeDriverError {
    return new VolumeDriverError(`${binary} ${args.join(' ')} failed: ${stderr}`, { binary, stderr });
  }
}

/**
 * An image a volume cannot be made of (too big for the volume, a format
 * qemu-img does not read, a backing file). `reason` is Cinder's; the service
 * says 'Image <id> is unacceptable: <reason>' (Cinder's ImageUnacceptable).
 */
export class VolumeImageUnacceptable extends Invalid {
  get reason(): string {
    return String(this.kwargs.reason ?? this.message);
  }
  static of(reason: string): VolumeImageUnacceptable {
    return new VolumeImageUnacceptable(reason, { reason });
  }
}

/** The driver holds no such volume. */
export class BackendVolumeNotFound extends NotFound {
  static of(volumeId: string): BackendVolumeNotFound {
    return new BackendVolumeNotFound(`Volume ${volumeId} could not be found.`, { volume_id: volumeId });
  }
}

/** The driver holds no such snapshot. */
export class BackendSnapshotNotFound extends NotFound {
  static of(snapshotId: string): BackendSnapshotNotFound {
    return new BackendSnapshotNotFound(`Snapshot ${snapshotId} could not be found.`, { snapshot_id: snapshotId });
  }
}

/** The operation needs the volume unexported (delete, extend while attached), or a bad request to the driver (a smaller size). */
export class VolumeDriverInvalid extends Invalid {}

registerErrors(VolumeDriverError, VolumeImageUnacceptable, BackendVolumeNotFound, BackendSnapshotNotFound, VolumeDriverInvalid);
