/**
 * A block device mapping (Nova's objects.BlockDeviceMapping): one disk of
 * an instance besides its image — an attached volume, a volume made at
 * boot, or the image as the root disk of a boot from a BDM list. It crosses
 * the bus (nova-compute reads and writes it through nova-conductor).
 */

export const BDM_VERSION = '1.0';

export type BdmSourceType = 'image' | 'volume' | 'snapshot' | 'blank';
export type BdmDestinationType = 'local' | 'volume';

/** What the volume service answered for this host's connector (Cinder's connection_info), plus what nova adds (serial, multiattach). */
export interface BdmConnectionInfo {
  readonly driver_volume_type: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly serial?: string;
  readonly [attr: string]: unknown;
}

/** The fields a mapping is created with. */
export interface BlockDeviceMappingFields {
  instance_uuid: string;
  source_type: BdmSourceType;
  destination_type: BdmDestinationType;
  device_name: string | null;
  boot_index: number | null;
  delete_on_termination: boolean;
  volume_id: string | null;
  snapshot_id: string | null;
  image_id: string | null;
  volume_size: number | null;
  attachment_id: string | null;
  connection_info: BdmConnectionInfo | null;
  tag: string | null;
  guest_format: string | null;
  disk_bus: string | null;
  device_type: string | null;
  volume_type: string | null;
}

export interface BlockDeviceMappingDTO extends BlockDeviceMappingFields {
  readonly version: typeof BDM_VERSION;
  readonly id: number;
  readonly uuid: string;
  readonly created_at: string | null;
  readonly updated_at: string | null;
}

/** What an update may change. */
export type BlockDeviceMappingUpdate = Partial<Omit<BlockDeviceMappingFields, 'instance_uuid'>>;

/** A new mapping's fields with Nova's defaults (nothing but the source and destination given). */
export function newBdm(instanceUuid: string, f: Partial<BlockDeviceMappingFields> & Pick<BlockDeviceMappingFields, 'source_type' | 'destination_type'>): BlockDeviceMappingFields {
  return {
    instance_uuid: instanceUuid,
    device_name: null,
    boot_index: null,
    delete_on_termination: false,
    volume_id: null,
    snapshot_id: null,
    image_id: null,
    volume_size: null,
    attachment_id: null,
    connection_info: null,
    tag: null,
    guest_format: null,
    disk_bus: null,
    device_type: null,
    volume_type: null,
    ...f,
  };
}

/** Is it a volume of the instance (destination volume), as Nova's is_volume? */
export const isVolumeBdm = (b: Pick<BlockDeviceMappingFields, 'destination_type'>): boolean => b.destination_type === 'volume';
/** Is it the root disk (boot_index 0)? */
export const isRootBdm = (b: Pick<BlockDeviceMappingFields, 'boot_index'>): boolean => b.boot_index === 0;
