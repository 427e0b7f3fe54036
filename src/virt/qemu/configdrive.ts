/**
 * The contents of an OpenStack config drive, as Nova's InstanceMetadata
 * (nova/api/metadata/base.py, metadata_for_config_drive) lays them out: the
 * OpenStack tree `openstack/<version>/` (meta_data.json, user_data,
 * vendor_data.json, vendor_data2.json, network_data.json, each from the
 * version that introduced it) and the EC2 tree `ec2/<version>/`
 * (meta-data.json, user-data). A pure function: the caller supplies the
 * random seed and the time, so the same input gives the same tree.
 */
import type { InstanceDTO } from '../../objects/instance.ts';

/** The volume label guests (cloud-init, the test guest) look for. */
export const CONFIG_DRIVE_LABEL = 'config-2';

/** OpenStack metadata versions Nova writes (FOLSOM … VICTORIA), then `latest`. */
export const OPENSTACK_VERSIONS = ['2012-08-10', '2013-04-04', '2013-10-17', '2015-10-15', '2016-06-30', '2016-10-06', '2017-02-22', '2018-08-27', '2020-10-14', 'latest'] as const;

/** EC2 metadata versions Nova writes on a config drive (the older ones are in `[api] config_drive_skip_versions`). */
export const EC2_VERSIONS = ['2009-04-04', 'latest'] as const;

const GRIZZLY = '2013-04-04';
const HAVANA = '2013-10-17';
const LIBERTY = '2015-10-15';
const NEWTON_ONE = '2016-06-30';
const NEWTON_TWO = '2016-10-06';
const VICTORIA = '2020-10-14';

/** Whether metadata `version` includes what `since` introduced (`latest` has everything). */
function atLeast(version: string, since: string): boolean {
  return version === 'latest' || version >= since;
}

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

/** A hostname for an instance without one (Nova always has one; this mirrors utils.sanitize_hostname). */
function hostnameOf(instance: InstanceDTO): string {
  if (instance.hostname) return instance.hostname;
  const s = (instance.display_name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 63);
  return s || 'server';
}

/** The decoded user data (the instance keeps it base64 encoded), or null. */
export function decodeUserData(userData: string | null): Buffer | null {
  if (userData === null || userData === '') return null;
  return Buffer.from(userData, 'base64');
}

/** `openstack/<version>/meta_data.json` as Nova's _metadata_as_json builds it. */
export function openstackMetadata(input: ConfigDriveInput, version: string): Record<string, unknown> {
  const inst = input.instance;
  const md: Record<string, unknown> = { uuid: inst.uuid };
  if (Object.keys(inst.metadata).length > 0) md.meta = { ...inst.metadata };
  if (input.adminPassword) md.admin_pass = input.adminPassword;
  if (inst.key_name && inst.key_data !== null) {
    md.public_keys = { [inst.key_name]: inst.key_data };
    md.keys = [{ name: inst.key_name, type: 'ssh', data: inst.key_data }];
  }
  md.hostname = hostnameOf(inst);
  md.name = inst.display_name;
  md.launch_index = inst.launch_index;
  md.availability_zone = input.availabilityZone;
  if (atLeast(version, GRIZZLY)) md.random_seed = Buffer.from(input.randomSeed).toString('base64');
  if (atLeast(version, LIBERTY)) md.project_id = inst.project_id;
  if (atLeast(version, NEWTON_ONE)) md.devices = [];
  if (atLeast(version, VICTORIA)) md.dedicated_cpus = [];
  return md;
}

/** Nova's EC2 instance id, `i-%08x` of the instance id. */
export function ec2InstanceId(id: number): string {
  return `i-${id.toString(16).padStart(8, '0')}`;
}

/** `ec2/<version>/meta-data.json` as Nova's get_ec2_metadata builds it (without the network addresses Nova does not know on a config drive). */
export function ec2Metadata(input: ConfigDriveInput): Record<string, unknown> {
  const inst = input.instance;
  const hostname = hostnameOf(inst);
  const md: Record<string, unknown> = {
    'ami-launch-index': inst.launch_index,
    'ami-manifest-path': 'FIXME',
    'instance-id': ec2InstanceId(inst.id),
    hostname,
    'local-ipv4': null,
    'reservation-id': inst.reservation_id,
    'security-groups': [],
  };
  if (inst.key_name && inst.key_data !== null) md['public-keys'] = { '0': { 'openssh-key': inst.key_data } };
  md['local-hostname'] = hostname;
  md['public-hostname'] = hostname;
  md['public-ipv4'] = null;
  md['instance-type'] = inst.flavor.name;
  md['block-device-mapping'] = { ami: 'vda', root: inst.root_device_name ?? '/dev/vda' };
  md.placement = { 'availability-zone': input.availabilityZone };
  md['instance-action'] = 'none';
  return md;
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');

/** Every file of the config drive of `input.instance`, in Nova's order. */
export function configDriveTree(input: ConfigDriveInput): ConfigDriveTree {
  const files: ConfigDriveFile[] = [];
  const userData = decodeUserData(input.instance.user_data);
  for (const v of EC2_VERSIONS) {
    if (userData) files.push({ path: `ec2/${v}/user-data`, data: userData });
    files.push({ path: `ec2/${v}/meta-data.json`, data: json(ec2Metadata(input)) });
  }
  for (const v of OPENSTACK_VERSIONS) {
    files.push({ path: `openstack/${v}/meta_data.json`, data: json(openstackMetadata(input, v)) });
    if (userData) files.push({ path: `openstack/${v}/user_data`, data: userData });
    if (atLeast(v, HAVANA)) files.push({ path: `openstack/${v}/vendor_data.json`, data: json({}) });
    if (atLeast(v, LIBERTY)) files.push({ path: `openstack/${v}/network_data.json`, data: json({ links: [], networks: [], services: [] }) });
    if (atLeast(v, NEWTON_TWO)) files.push({ path: `openstack/${v}/vendor_data2.json`, data: json({}) });
  }
  return { files, mtime: input.now };
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
