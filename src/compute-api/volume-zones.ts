/**
 * Nova's API._validate_vol_az_for_create: with [cinder] cross_az_attach
 * off, the existing volumes a server boots with must all be in one zone,
 * and that zone must be the server's. A server asked for without a zone
 * (nor [DEFAULT] default_schedule_zone) gets the volumes' zone unless it is
 * [DEFAULT] default_availability_zone (nova: not pinned there).
 */
import { Invalid } from '../exception/base.ts';

/** MismatchVolumeAZException (the server create answers 400). */
export class MismatchVolumeAZException extends Invalid {
  static of(reason: string): MismatchVolumeAZException {
    return new MismatchVolumeAZException(`The availability zone between the server and its attached volumes do not match: ${reason}.`, { reason });
  }
}

/** The zone to give the server instead of `instanceAz` (null: keep it); throws when the zones do not agree. */
export function zoneForVolumes(crossAzAttach: boolean, defaultZone: string, instanceAz: string | null, volumeZones: readonly (string | null)[]): string | null {
  if (crossAzAttach || !volumeZones.length) return null;
  const zones = volumeZones.map((z) => z ?? '');
  if (new Set(zones).size > 1) throw MismatchVolumeAZException.of(`Volumes are in different availability zones: ${zones.join(',')}`);
  const volumeAz = zones[0] ?? '';
  if (instanceAz === null) return volumeAz !== defaultZone ? volumeAz : null;
  if (instanceAz !== volumeAz) {
    throw MismatchVolumeAZException.of(`Server and volumes are not in the same availability zone. Server is in: ${instanceAz}. Volumes are in: ${volumeAz}`);
  }
  return null;
}
