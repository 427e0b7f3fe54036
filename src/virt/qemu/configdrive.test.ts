import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceFixture, NANO } from '../../../test/support/instances.ts';
import { decodeUserData, ec2InstanceId } from '../../metadata/instance-metadata.ts';
import { OPENSTACK_VERSIONS } from '../../metadata/versions.ts';
import type { InstanceDTO } from '../../objects/instance.ts';
import { type ConfigDriveInput, configDriveRequired, configDriveTree } from './configdrive.ts';

const UUID = '6a3f2c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b';
const SEED = Uint8Array.from({ length: 512 }, (_, i) => i % 256);
const NOW = new Date('2024-05-01T12:00:00Z');

function instance(over: Partial<InstanceDTO> = {}): InstanceDTO {
  return instanceFixture({
    id: 42,
    uuid: UUID,
    user_id: 'u1',
    project_id: 'p1',
    image_ref: 'img',
    hostname: 'cfg-vm-1',
    host: 'h',
    launch_index: 2,
    flavor: { ...NANO, flavorid: '42' },
    display_name: 'Cfg VM 1',
    availability_zone: 'az1',
    reservation_id: 'r-abc123',
    config_drive: 'True',
    ...over,
  });
}

function input(over: Partial<InstanceDTO> = {}, adminPassword: string | null = null): ConfigDriveInput {
  return { instance: instance(over), adminPassword, availabilityZone: 'az1', randomSeed: SEED, now: NOW };
}

function tree(inp: ConfigDriveInput): Map<string, Buffer> {
  return new Map(configDriveTree(inp).files.map((f) => [f.path, f.data]));
}

function jsonAt(files: Map<string, Buffer>, p: string): Record<string, unknown> {
  const b = files.get(p);
  assert.ok(b, `${p} is on the drive`);
  return JSON.parse(b.toString('utf8')) as Record<string, unknown>;
}

describe('config drive contents', () => {
  it('writes meta_data.json with the instance fields under latest and every dated version', () => {
    const files = tree(input({ metadata: { role: 'db', tier: 'gold' } }));
    const md = jsonAt(files, 'openstack/latest/meta_data.json');
    assert.equal(md.uuid, UUID);
    assert.equal(md.name, 'Cfg VM 1');
    assert.equal(md.hostname, 'cfg-vm-1');
    assert.equal(md.launch_index, 2);
    assert.equal(md.availability_zone, 'az1');
    assert.equal(md.project_id, 'p1');
    assert.deepEqual(md.meta, { role: 'db', tier: 'gold' });
    assert.deepEqual(md.devices, []);
    assert.deepEqual(md.dedicated_cpus, []);
    assert.equal(md.random_seed, Buffer.from(SEED).toString('base64'));
    assert.equal(Buffer.from(md.random_seed as string, 'base64').length, 512);
    assert.ok(!('public_keys' in md) && !('keys' in md) && !('admin_pass' in md));
    for (const v of OPENSTACK_VERSIONS) assert.ok(files.has(`openstack/${v}/meta_data.json`), v);
    const folsom = jsonAt(files, 'openstack/2012-08-10/meta_data.json');
    assert.ok(!('random_seed' in folsom) && !('project_id' in folsom) && !('devices' in folsom), 'fields appear with the version that added them');
    assert.equal(folsom.hostname, 'cfg-vm-1');
    assert.ok(!('meta' in jsonAt(tree(input()), 'openstack/latest/meta_data.json')), 'no meta without metadata (as Nova)');
  });

  it('writes the other OpenStack files and the EC2 tree', () => {
    const files = tree(input());
    assert.deepEqual(jsonAt(files, 'openstack/latest/vendor_data.json'), {});
    assert.deepEqual(jsonAt(files, 'openstack/latest/vendor_data2.json'), { static: {} });
    assert.deepEqual(jsonAt(files, 'openstack/latest/network_data.json'), {}, 'no VIFs: {} as Nova writes it');
    assert.ok(!files.has('openstack/2012-08-10/vendor_data.json') && files.has('openstack/2013-10-17/vendor_data.json'));
    assert.ok(!files.has('openstack/2013-10-17/network_data.json') && files.has('openstack/2015-10-15/network_data.json'));
    assert.ok(!files.has('openstack/2016-06-30/vendor_data2.json') && files.has('openstack/2016-10-06/vendor_data2.json'));
    assert.ok(![...files.keys()].some((p) => p.endsWith('user_data') || p.endsWith('user-data')), 'no user data file without user data');
    const ec2 = jsonAt(files, 'ec2/latest/meta-data.json');
    assert.equal(ec2['instance-id'], 'i-0000002a');
    assert.equal(ec2.hostname, 'cfg-vm-1');
    assert.equal(ec2['local-hostname'], 'cfg-vm-1');
    assert.equal(ec2['reservation-id'], 'r-abc123');
    assert.equal(ec2['ami-launch-index'], 2);
    assert.equal(ec2['instance-type'], 'm1.nano');
    assert.deepEqual(ec2.placement, { 'availability-zone': 'az1' });
    assert.ok(!('public-keys' in ec2));
    assert.ok(files.has('ec2/2009-04-04/meta-data.json'));
    assert.ok(!files.has('ec2/2008-09-01/meta-data.json'), 'versions in config_drive_skip_versions are left out');
    assert.equal(ec2['public-ipv4'], '');
    assert.equal(ec2['local-ipv4'], null);
    assert.equal(ec2['ami-id'], 'ami-84e72504', 'image img: FNV-1a of its name (not a uuid)');
    assert.deepEqual(ec2['block-device-mapping'], { ami: 'sda1', ephemeral0: 'sda2', root: '/dev/sda1', swap: 'sda3' });
    assert.equal(ec2InstanceId(0x1234abcd), 'i-1234abcd');
    assert.equal(configDriveTree(input()).mtime, NOW);
  });

  it('carries the key pair', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB test@host';
    const files = tree(input({ key_name: 'mykey', key_data: key }));
    const md = jsonAt(files, 'openstack/latest/meta_data.json');
    assert.deepEqual(md.public_keys, { mykey: key });
    assert.deepEqual(md.keys, [{ name: 'mykey', type: 'ssh', data: key }]);
    assert.deepEqual(jsonAt(files, 'ec2/latest/meta-data.json')['public-keys'], { '0': { 'openssh-key': key } });
  });

  it('decodes the user data (text and binary) into user_data and user-data', () => {
    const text = '#!/bin/sh\necho hello from user data\n';
    const files = tree(input({ user_data: Buffer.from(text).toString('base64') }));
    assert.equal(files.get('openstack/latest/user_data')?.toString('utf8'), text);
    assert.equal(files.get('openstack/2012-08-10/user_data')?.toString('utf8'), text);
    assert.equal(files.get('ec2/latest/user-data')?.toString('utf8'), text);
    const bin = Buffer.from([0, 255, 1, 254, 0x1f, 0x8b]);
    assert.deepEqual(tree(input({ user_data: bin.toString('base64') })).get('openstack/latest/user_data'), bin);
    assert.equal(decodeUserData(null), null);
    assert.equal(decodeUserData(''), null);
  });

  it('puts the admin password in meta_data.json only when there is one', () => {
    assert.equal(jsonAt(tree(input({}, 's3cret-Pass')), 'openstack/latest/meta_data.json').admin_pass, 's3cret-Pass');
    assert.ok(!('admin_pass' in jsonAt(tree(input({}, '')), 'openstack/latest/meta_data.json')));
  });

  it('derives a hostname when the instance has none', () => {
    assert.equal(jsonAt(tree(input({ hostname: null, display_name: 'My Web_Server!' })), 'openstack/latest/meta_data.json').hostname, 'my-web-server');
    assert.equal(jsonAt(tree(input({ hostname: null, display_name: null })), 'ec2/latest/meta-data.json').hostname, 'server');
  });

  it('is a pure function of its input', () => {
    assert.deepEqual(configDriveTree(input({ metadata: { a: '1' } })), configDriveTree(input({ metadata: { a: '1' } })));
  });

  it('decides who gets a drive as Nova does (asked, forced, or required by the image)', () => {
    assert.equal(configDriveRequired(instance({ config_drive: 'True' }), false), true);
    assert.equal(configDriveRequired(instance({ config_drive: '' }), false), false);
    assert.equal(configDriveRequired(instance({ config_drive: '' }), true), true);
    assert.equal(configDriveRequired(instance({ config_drive: '' }), false, { img_config_drive: 'mandatory' }), true);
    assert.equal(configDriveRequired(instance({ config_drive: '' }), false, { img_config_drive: 'optional' }), false);
  });
});
