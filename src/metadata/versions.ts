/**
 * The metadata versions Nova serves (nova/api/metadata/base.py): the EC2
 * ones (`VERSIONS`) and the OpenStack ones, each a date that names what it
 * added, then `latest`.
 */

/** EC2 metadata versions, oldest first (`/<version>/meta-data/…`). */
export const EC2_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01', '2009-04-04'] as const;

export const FOLSOM = '2012-08-10';
/** random_seed, password. */
export const GRIZZLY = '2013-04-04';
/** vendor_data.json. */
export const HAVANA = '2013-10-17';
/** project_id, network_data.json. */
export const LIBERTY = '2015-10-15';
/** devices. */
export const NEWTON_ONE = '2016-06-30';
/** vendor_data2.json. */
export const NEWTON_TWO = '2016-10-06';
/** vlan of NIC devices. */
export const OCATA = '2017-02-22';
/** vf_trusted of NIC devices. */
export const ROCKY = '2018-08-27';
/** dedicated_cpus. */
export const VICTORIA = '2020-10-14';

/** OpenStack metadata versions, oldest first (as Nova 26 "Zed"), without `latest`. */
export const OPENSTACK_VERSIONS = [FOLSOM, GRIZZLY, HAVANA, LIBERTY, NEWTON_ONE, NEWTON_TWO, OCATA, ROCKY, VICTORIA] as const;

/** Nova's `[api] config_drive_skip_versions` default: the EC2 versions a config drive leaves out. */
export const CONFIG_DRIVE_SKIP_VERSIONS = ['1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01'] as const;

/** An EC2 version asked for, resolved (`latest` is the newest); null when unknown. */
export function ec2Version(asked: string): string | null {
  const v = asked === 'latest' ? EC2_VERSIONS[EC2_VERSIONS.length - 1] : asked;
  return v !== undefined && (EC2_VERSIONS as readonly string[]).includes(v) ? v : null;
}

/** An OpenStack version asked for, resolved (`latest` is the newest); null when unknown. */
export function openstackVersion(asked: string): string | null {
  const v = asked === 'latest' ? OPENSTACK_VERSIONS[OPENSTACK_VERSIONS.length - 1] : asked;
  return v !== undefined && (OPENSTACK_VERSIONS as readonly string[]).includes(v) ? v : null;
}

/** Whether resolved EC2 version `version` has what `since` added (Nova's _check_version). */
export function ec2Since(version: string, since: string): boolean {
  return EC2_VERSIONS.indexOf(version as never) >= EC2_VERSIONS.indexOf(since as never);
}

/** Whether resolved OpenStack version `version` has what `since` added (Nova's _check_os_version). */
export function openstackSince(version: string, since: string): boolean {
  return OPENSTACK_VERSIONS.indexOf(version as never) >= OPENSTACK_VERSIONS.indexOf(since as never);
}

/** The OpenStack versions `/openstack` lists on `today` (YYYY-MM-DD): future ones are hidden, as Nova hides them. */
export function listedOpenstackVersions(today: string): string[] {
  return [...OPENSTACK_VERSIONS.filter((v) => v <= today), 'latest'];
}
