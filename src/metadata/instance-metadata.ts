/**
 * What a guest learns about itself, as Nova's InstanceMetadata
 * (nova/api/metadata/base.py) builds it: `meta_data.json`, the listing of an
 * OpenStack version, `vendor_data*.json`, `network_data.json` and the EC2
 * tree. One builder for the metadata service (nova-api-metadata) and the
 * config drive; pure: the caller supplies the instance, its network
 * information, the vendor data and the random seed.
 */
import type { InstanceDTO } from '../objects/instance.ts';
import { ec2IpInfo, networkMetadata, type Vif } from './network-data.ts';
import { extractPassword } from './password.ts';
import { EC2_VERSIONS, ec2Since, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, openstackSince, VICTORIA } from './versions.ts';

/** Everything the metadata of one instance is built from. */
export interface MetadataSource {
  readonly instance: InstanceDTO;
  /** The address the guest asked from (the metadata service), or null (the config drive). */
  readonly address: string | null;
  /** The admin password given at build: `admin_pass` on the config drive only (Nova's extra_md); null for the service. */
  readonly adminPassword: string | null;
  /** The instance's availability zone. */
  readonly availabilityZone: string | null;
  /** The instance's network information (Nova's info_cache.network_info); empty without ports. */
  readonly vifs: readonly Vif[];
  /** Names of the instance's security groups (EC2 security-groups). */
  readonly securityGroups: readonly string[];
  /** `[api] vendordata_providers`. */
  readonly vendordataProviders: readonly string[];
  /** What the StaticJSON provider serves (`[api] vendordata_jsonfile_path`, {} without one). */
  readonly staticVendorData: Readonly<Record<string, unknown>>;
  /** `[api] dhcp_domain`: appended to the hostname ('' or null: the hostname alone). */
  readonly dhcpDomain: string | null;
  /** Bytes for `random_seed` (Nova: 512 bytes of os.urandom, new on every read). */
  randomSeed(): Uint8Array;
}

/** A hostname for an instance without one (Nova always has one; this mirrors utils.sanitize_hostname). */
function baseHostname(instance: InstanceDTO): string {
  if (instance.hostname) return instance.hostname;
  const s = (instance.display_name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 63);
  return s || 'server';
}

/** _get_hostname: the instance's hostname, with `[api] dhcp_domain` when set. */
export function metadataHostname(src: Pick<MetadataSource, 'instance' | 'dhcpDomain'>): string {
  const h = baseHostname(src.instance);
  return src.dhcpDomain ? `${h}.${src.dhcpDomain}` : h;
}

/** The decoded user data (the instance keeps it base64 encoded), or null. */
export function decodeUserData(userData: string | null): Buffer | null {
  if (userData === null || userData === '') return null;
  return Buffer.from(userData, 'base64');
}

/** `openstack/<version>/meta_data.json` (_metadata_as_json) for a resolved version. */
export function openstackMetadata(src: MetadataSource, version: string): Record<string, unknown> {
  const inst = src.instance;
  const md: Record<string, unknown> = { uuid: inst.uuid };
  if (Object.keys(inst.metadata).length > 0) md.meta = { ...inst.metadata };
  if (src.adminPassword) md.admin_pass = src.adminPassword;
  if (inst.key_name && inst.key_data !== null) {
    md.public_keys = { [inst.key_name]: inst.key_data };
    md.keys = [{ name: inst.key_name, type: 'ssh', data: inst.key_data }];
  }
  md.hostname = metadataHostname(src);
  md.name = inst.display_name;
  md.launch_index = inst.launch_index;
  md.availability_zone = src.availabilityZone;
  if (openstackSince(version, GRIZZLY)) md.random_seed = Buffer.from(src.randomSeed()).toString('base64');
  if (openstackSince(version, LIBERTY)) md.project_id = inst.project_id;
  if (openstackSince(version, NEWTON_ONE)) md.devices = [];
  if (openstackSince(version, VICTORIA)) md.dedicated_cpus = [];
  return md;
}

/** _handle_version: what `openstack/<version>/` lists. */
export function openstackListing(src: MetadataSource, version: string): string[] {
  const out = ['meta_data.json'];
  if (src.instance.user_data) out.push('user_data');
  if (openstackSince(version, GRIZZLY)) out.push('password');
  if (openstackSince(version, HAVANA)) out.push('vendor_data.json');
  if (openstackSince(version, LIBERTY)) out.push('network_data.json');
  if (openstackSince(version, NEWTON_TWO)) out.push('vendor_data2.json');
  return out;
}

/** `vendor_data.json` (_vendor_data): the StaticJSON data, or null (not found) when that provider is off. */
export function vendorData(src: MetadataSource): Readonly<Record<string, unknown>> | null {
  return src.vendordataProviders.includes('StaticJSON') ? src.staticVendorData : null;
}

/** `vendor_data2.json` (_vendor_data2): `{"static": …}` with StaticJSON on, `{}` otherwise. */
export function vendorData2(src: MetadataSource): Record<string, unknown> {
  return src.vendordataProviders.includes('StaticJSON') ? { static: src.staticVendorData } : {};
}

/** `network_data.json` (_network_data): links, networks and services of the VIFs; `{}` without any. */
export function networkData(src: MetadataSource): Record<string, unknown> {
  return networkMetadata(src.vifs) ?? {};
}

/** The password the guest posted, or null. */
export function instancePassword(src: MetadataSource): string | null {
  return extractPassword(src.instance) || null;
}

/** Nova's EC2 instance id, `i-%08x` of the instance id. */
export function ec2InstanceId(id: number): string {
  return `i-${id.toString(16).padStart(8, '0')}`;
}

/**
 * An EC2 image id, `<ami|aki|ari>-%08x`. Nova numbers images in its
 * s3_images table; here the number is the first 32 bits of the image's
 * uuid, stable for the image and the same on every host. Null for no image.
 */
export function ec2ImageId(imageRef: string, type: 'ami' | 'aki' | 'ari'): string | null {
  if (!imageRef) return null;
  const hex = imageRef.replace(/-/g, '').slice(0, 8).toLowerCase();
  if (/^[0-9a-f]{8}$/.test(hex)) return `${type}-${hex}`;
  // Not a uuid (a test's image name): FNV-1a of it.
  let h = 0x811c9dc5;
  for (const c of Buffer.from(imageRef)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return `${type}-${h.toString(16).padStart(8, '0')}`;
}

/** block_device.instance_block_mapping for an instance without volumes. */
function blockDeviceMapping(inst: InstanceDTO): Record<string, string> {
  const root = inst.root_device_name;
  if (root === null) return { ami: 'sda1', ephemeral0: 'sda2', root: '/dev/sda1', swap: 'sda3' };
  return { ami: root.replace(/^\/dev\//, ''), root };
}

/**
 * get_ec2_metadata for a resolved EC2 version: `{"meta-data": {…}}`, with
 * `user-data` when the instance has some. Public keys carry `_name`
 * ('0=<key name>'), which the listing shows; the config drive drops it.
 */
export function ec2Metadata(src: MetadataSource, version: string): Record<string, unknown> {
  const inst = src.instance;
  const hostname = metadataHostname(src);
  const ips = ec2IpInfo(src.vifs);
  const md: Record<string, unknown> = {
    'ami-id': ec2ImageId(inst.image_ref, 'ami'),
    'ami-launch-index': inst.launch_index,
    'ami-manifest-path': 'FIXME',
    'instance-id': ec2InstanceId(inst.id),
    hostname,
    'local-ipv4': ips.fixed_ips[0] || src.address,
    'reservation-id': inst.reservation_id,
    'security-groups': [...src.securityGroups],
  };
  if (inst.key_name) md['public-keys'] = { '0': { _name: `0=${inst.key_name}`, 'openssh-key': inst.key_data } };
  if (ec2Since(version, '2007-01-19')) {
    md['local-hostname'] = hostname;
    md['public-hostname'] = hostname;
    md['public-ipv4'] = ips.floating_ips[0] ?? '';
  }
  if (ec2Since(version, '2007-08-29')) md['instance-type'] = inst.flavor.name;
  if (ec2Since(version, '2007-12-15')) {
    md['block-device-mapping'] = blockDeviceMapping(inst);
    if (inst.kernel_id) md['kernel-id'] = ec2ImageId(inst.kernel_id, 'aki');
    if (inst.ramdisk_id) md['ramdisk-id'] = ec2ImageId(inst.ramdisk_id, 'ari');
  }
  if (ec2Since(version, '2008-02-01')) md.placement = { 'availability-zone': src.availabilityZone };
  if (ec2Since(version, '2008-09-01')) md['instance-action'] = 'none';
  const data: Record<string, unknown> = { 'meta-data': md };
  const userData = decodeUserData(inst.user_data);
  if (userData) data['user-data'] = userData;
  return data;
}

/** The EC2 versions `/` and `/<anything unknown>` list. */
export const EC2_LISTING: readonly string[] = [...EC2_VERSIONS, 'latest'];
