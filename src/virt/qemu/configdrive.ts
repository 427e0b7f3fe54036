/**
 * The contents of an OpenStack config drive, as Nova's libvirt driver
 * writes them (InstanceMetadata.metadata_for_config_drive): the files come
 * from the metadata builder the metadata service uses too
 * (src/metadata/), with the admin password given at build and the
 * instance's network information. A pure function: the caller supplies the
 * random seed and the time, so the same input gives the same tree.
 */
import { metadataForConfigDrive } from '../../metadata/config-drive.ts';
import type { MetadataSource } from '../../metadata/instance-metadata.ts';
import type { Vif } from '../../metadata/network-data.ts';
import type { InstanceDTO } from '../../objects/instance.ts';

/** The volume label guests (cloud-init, the test guest) look for. */
export const CONFIG_DRIVE_LABEL = 'config-2';

/** What goes on the drive besides the instance. */
export interface ConfigDriveInput {
  instance: InstanceDTO;
  /** The admin password given at build (`admin_pass` in meta_data.json), or null. */
  adminPassword: string | null;
  /** The instance's availability zone (the host's zone when the instance names none). */
  availabilityZone: string;
  /** Bytes for `random_seed` (Nova: 512 bytes of os.urandom). */
  randomSeed: Uint8Array;
  /** Modification time of every file on the drive. */
  now: Date;
  /** The instance's network information (network_data.json); none by default. */
  vifs?: readonly Vif[];
  /** `[api] dhcp_domain` (appended to the hostname); none by default. */
  dhcpDomain?: string | null;
  /** `[api] vendordata_providers` (default StaticJSON) and what StaticJSON serves (default {}). */
  vendordataProviders?: readonly string[];
  staticVendorData?: Readonly<Record<string, unknown>>;
}

/** One file of the drive: a relative path with `/` separators and its bytes. */
export interface ConfigDriveFile {
  path: string;
  data: Buffer;
}

/** The drive's files and the time they carry. */
export interface ConfigDriveTree {
  files: ConfigDriveFile[];
  mtime: Date;
}

/** Every file of the config drive of `input.instance`, in Nova's order. */
export function configDriveTree(input: ConfigDriveInput): ConfigDriveTree {
  const src: MetadataSource = {
    instance: input.instance,
    address: null,
    adminPassword: input.adminPassword,
    availabilityZone: input.availabilityZone,
    vifs: input.vifs ?? [],
    securityGroups: [],
    vendordataProviders: input.vendordataProviders ?? ['StaticJSON'],
    staticVendorData: input.staticVendorData ?? {},
    dhcpDomain: input.dhcpDomain ?? null,
    randomSeed: () => input.randomSeed,
  };
  return { files: metadataForConfigDrive(src).map((f) => ({ path: f.path, data: f.data })), mtime: input.now };
}

/**
 * Whether an instance gets a config drive (Nova's configdrive.required_by):
 * it asked for one, `[DEFAULT] force_config_drive` is set, or its image
 * says `img_config_drive=mandatory`.
 */
export function configDriveRequired(instance: InstanceDTO, forceConfigDrive: boolean, imageProperties: Record<string, string> = {}): boolean {
  const asked = ['true', 'yes', '1', 'on'].includes(String(instance.config_drive ?? '').toLowerCase());
  return asked || forceConfigDrive || imageProperties.img_config_drive === 'mandatory';
}
