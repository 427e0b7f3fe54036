/**
 * The files of a config drive (InstanceMetadata.metadata_for_config_drive):
 * the EC2 tree `ec2/<version>/meta-data.json` and `user-data` for the
 * versions not in `[api] config_drive_skip_versions`, then
 * `openstack/<version>/` for every OpenStack version and `latest`, each
 * file from the version that introduced it, as the metadata service
 * answers them.
 */
import { decodeUserData, ec2Metadata, type MetadataSource } from './instance-metadata.ts';
import { InvalidMetadataPath, lookupMetadata } from './lookup.ts';
import { CONFIG_DRIVE_SKIP_VERSIONS, EC2_VERSIONS, HAVANA, LIBERTY, NEWTON_TWO, OPENSTACK_VERSIONS, openstackSince, openstackVersion } from './versions.ts';

/** One file of the drive: a relative path with `/` separators and its bytes. */
export interface MetadataFile {
  readonly path: string;
  readonly data: Buffer;
}

/** Every metadata file of the drive, in Nova's order. */
export function metadataForConfigDrive(src: MetadataSource, skipVersions: readonly string[] = CONFIG_DRIVE_SKIP_VERSIONS): MetadataFile[] {
  const files: MetadataFile[] = [];
  for (const v of [...EC2_VERSIONS, 'latest']) {
    if (skipVersions.includes(v)) continue;
    const data = ec2Metadata(src, v === 'latest' ? (EC2_VERSIONS[EC2_VERSIONS.length - 1] as string) : v);
    const userData = decodeUserData(src.instance.user_data);
    if (userData) files.push({ path: `ec2/${v}/user-data`, data: userData });
    const md = data['meta-data'] as Record<string, unknown>;
    const keys = md['public-keys'] as Record<string, Record<string, unknown>> | undefined;
    if (keys?.['0']) delete keys['0']._name;
    files.push({ path: `ec2/${v}/meta-data.json`, data: Buffer.from(JSON.stringify(md)) });
  }
  const today = '9999-12-31';
  const item = (path: string): Buffer => {
    const a = lookupMetadata(src, path, today);
    if (a.kind !== 'data') throw new InvalidMetadataPath(path);
    return a.body;
  };
  for (const v of [...OPENSTACK_VERSIONS, 'latest']) {
    const resolved = openstackVersion(v) as string;
    files.push({ path: `openstack/${v}/meta_data.json`, data: item(`openstack/${v}/meta_data.json`) });
    if (decodeUserData(src.instance.user_data)) files.push({ path: `openstack/${v}/user_data`, data: item(`openstack/${v}/user_data`) });
    if (openstackSince(resolved, HAVANA)) {
      try {
        files.push({ path: `openstack/${v}/vendor_data.json`, data: item(`openstack/${v}/vendor_data.json`) });
      } catch (e) {
        // StaticJSON off: Nova's lookup fails and the drive gets none.
        if (!(e instanceof InvalidMetadataPath)) throw e;
      }
    }
    if (openstackSince(resolved, LIBERTY)) files.push({ path: `openstack/${v}/network_data.json`, data: item(`openstack/${v}/network_data.json`) });
    if (openstackSince(resolved, NEWTON_TWO)) files.push({ path: `openstack/${v}/vendor_data2.json`, data: item(`openstack/${v}/vendor_data2.json`) });
  }
  return files;
}
