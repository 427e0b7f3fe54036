/**
 * The config drive of an instance, built from nova.conf as Nova's libvirt
 * driver does in _create_configdrive: only when the instance gets one
 * (force_config_drive, the request, the image), in config_drive_format,
 * with the metadata tree the metadata service serves.
 */
import { randomBytes } from 'node:crypto';
import type { NovaConfig } from '../../conf/loader.ts';
import { readStaticVendorData } from '../../metadata/vendordata.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { configDriveRequired, configDriveTree } from './configdrive.ts';
import { buildConfigDriveImage } from './configdrive-image.ts';

const CONFIG_DRIVE_PUBLISHER = 'OpenStack Compute (nova-ts)';

/** Build the drive into `file`; the number of files written, or null when the instance gets no config drive. */
export async function writeConfigDrive(
  conf: NovaConfig,
  instance: InstanceDTO,
  file: string,
  adminPassword: string | null,
  imageProperties: Record<string, string>,
): Promise<{ format: 'vfat' | 'iso9660'; files: number } | null> {
  const d = conf.DEFAULT;
  if (!configDriveRequired(instance, d.force_config_drive, imageProperties)) return null;
  const format = d.config_drive_format === 'vfat' ? 'vfat' : 'iso9660';
  const api = conf.api;
  const tree = configDriveTree({
    instance,
    adminPassword,
    availabilityZone: instance.availability_zone ?? d.default_availability_zone,
    randomSeed: randomBytes(512),
    now: new Date(),
    dhcpDomain: api.dhcp_domain,
    vendordataProviders: api.vendordata_providers,
    staticVendorData: readStaticVendorData(api.vendordata_jsonfile_path),
  });
  await buildConfigDriveImage(tree, file, { format, mkisofsCmd: conf.qemu.mkisofs_cmd, publisher: CONFIG_DRIVE_PUBLISHER });
  return { format, files: tree.files.length };
}
