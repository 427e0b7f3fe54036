import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceFixture, NANO } from '../../test/support/instances.ts';
import { VIF } from '../../test/support/vifs.ts';
import type { InstanceDTO } from '../objects/instance.ts';
import type { MetadataSource } from './instance-metadata.ts';
import { InvalidMetadataPath, lookupMetadata } from './lookup.ts';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB test@host';

function source(over: Partial<InstanceDTO> = {}, extra: Partial<MetadataSource> = {}): MetadataSource {
  const instance = instanceFixture({
    id: 42,
    uuid: '6a3f2c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b',
    project_id: 'p1',
    image_ref: '155d900f-4e14-4e4c-a73d-069cbf4541e6',
    hostname: 'vm1',
    flavor: { ...NANO },
    display_name: 'VM 1',
    reservation_id: 'r-abc123',
    key_name: 'mykey',
    key_data: KEY,
    user_data: Buffer.from('#!/bin/sh\n').toString('base64'),
    ...over,
  });
  return {
    instance,
    address: '10.0.0.9',
    adminPassword: null,
    availabilityZone: 'nova',
    vifs: [],
    securityGroups: ['default'],
    vendordataProviders: ['StaticJSON'],
    staticVendorData: { a: 1 },
    dhcpDomain: 'novalocal',
    randomSeed: () => new Uint8Array(512),
    ...extra,
  };
}

const TODAY = '2024-01-01';
function get(path: string, src = source()): string {
  const a = lookupMetadata(src, path, TODAY);
  assert.equal(a.kind, 'data');
  return a.kind === 'data' ? a.body.toString('utf8') : '';
}
const missing = (path: string, src = source()) => assert.throws(() => lookupMetadata(src, path, TODAY), InvalidMetadataPath, path);

describe('metadata lookup', () => {
  it('lists the EC2 versions at / and the OpenStack versions not in the future at /openstack', () => {
    assert.equal(get('/'), '1.0\n2007-01-19\n2007-03-01\n2007-08-29\n2007-10-10\n2007-12-15\n2008-02-01\n2008-09-01\n2009-04-04\nlatest');
    assert.equal(get('/openstack'), '2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\n2016-06-30\n2016-10-06\n2017-02-22\n2018-08-27\n2020-10-14\nlatest');
    assert.equal(lookupMetadata(source(), '/openstack/', '2016-01-01').kind, 'data');
    assert.equal(get('/openstack/'), get('/openstack'));
    assert.match((lookupMetadata(source(), '/openstack', '2016-01-01') as { body: Buffer }).body.toString(), /^2012-08-10\n2013-04-04\n2013-10-17\n2015-10-15\nlatest$/);
  });

  it('lists what each OpenStack version has', () => {
    assert.equal(get('/openstack/2012-08-10'), 'meta_data.json\nuser_data');
    assert.equal(get('/openstack/latest/'), 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json');
    assert.equal(get('/openstack/2013-04-04', source({ user_data: null })), 'meta_data.json\npassword');
  });

  it('answers meta_data.json per version, with the hostname in [api] dhcp_domain', () => {
    const md = JSON.parse(get('/openstack/latest/meta_data.json')) as Record<string, unknown>;
    assert.equal(md.hostname, 'vm1.novalocal');
    assert.deepEqual(md.public_keys, { mykey: KEY });
    assert.deepEqual(md.keys, [{ name: 'mykey', type: 'ssh', data: KEY }]);
    assert.deepEqual(Object.keys(md), [
      'uuid',
      'public_keys',
      'keys',
      'hostname',
      'name',
      'launch_index',
      'availability_zone',
      'random_seed',
      'project_id',
      'devices',
      'dedicated_cpus',
    ]);
    const folsom = JSON.parse(get('/openstack/2012-08-10/meta_data.json')) as Record<string, unknown>;
    assert.ok(!('random_seed' in folsom) && !('project_id' in folsom));
    assert.equal((lookupMetadata(source(), '/openstack/latest/meta_data.json', TODAY) as { contentType: string }).contentType, 'application/json');
  });

  it('answers user_data, vendor data, network data and the password endpoint; 404 for what a version lacks', () => {
    assert.equal(get('/openstack/latest/user_data'), '#!/bin/sh\n');
    missing('/openstack/latest/user_data', source({ user_data: null }));
    assert.deepEqual(JSON.parse(get('/openstack/latest/vendor_data.json')), { a: 1 });
    assert.deepEqual(JSON.parse(get('/openstack/latest/vendor_data2.json')), { static: { a: 1 } });
    missing('/openstack/latest/vendor_data.json', source({}, { vendordataProviders: [] }));
    assert.deepEqual(JSON.parse(get('/openstack/latest/vendor_data2.json', source({}, { vendordataProviders: [] }))), {});
    missing('/openstack/2012-08-10/vendor_data.json');
    missing('/openstack/2016-06-30/vendor_data2.json');
    assert.equal(get('/openstack/latest/network_data.json'), '{}');
    const nd = JSON.parse(get('/openstack/latest/network_data.json', source({}, { vifs: [VIF] }))) as { links: unknown[] };
    assert.equal(nd.links.length, 1);
    assert.deepEqual(lookupMetadata(source(), '/openstack/latest/password', TODAY), { kind: 'password' });
    missing('/openstack/2012-08-10/password');
    missing('/openstack/1999-01-01/meta_data.json');
    missing('/openstack/latest/nothing');
    missing('/openstack/content/0000');
  });

  it('serves the EC2 tree under any version, as listings and values', () => {
    assert.equal(get('/latest'), 'meta-data/\nuser-data');
    assert.equal(get('/2009-04-04/user-data'), '#!/bin/sh\n');
    const listing = get('/latest/meta-data/').split('\n');
    assert.deepEqual(listing, [
      'ami-id',
      'ami-launch-index',
      'ami-manifest-path',
      'block-device-mapping/',
      'hostname',
      'instance-action',
      'instance-id',
      'instance-type',
      'local-hostname',
      'local-ipv4',
      'placement/',
      'public-hostname',
      'public-ipv4',
      'public-keys/',
      'reservation-id',
      'security-groups',
    ]);
    assert.equal(get('/latest/meta-data/instance-id'), 'i-0000002a');
    assert.equal(get('/latest/meta-data/ami-id'), 'ami-155d900f');
    assert.equal(get('/latest/meta-data/hostname'), 'vm1.novalocal');
    assert.equal(get('/latest/meta-data/local-ipv4'), '10.0.0.9', 'no fixed IP: the address asked from');
    assert.equal(get('/latest/meta-data/local-ipv4', source({}, { vifs: [VIF] })), '10.0.0.5');
    assert.equal(get('/latest/meta-data/public-ipv4', source({}, { vifs: [VIF] })), '172.24.4.10');
    assert.equal(get('/latest/meta-data/public-keys'), '0=mykey');
    assert.equal(get('/latest/meta-data/public-keys/0'), 'openssh-key');
    assert.equal(get('/latest/meta-data/public-keys/0/openssh-key'), KEY);
    assert.equal(get('/latest/meta-data/placement/availability-zone'), 'nova');
    assert.equal(get('/latest/meta-data/security-groups'), 'default');
    assert.equal(get('/latest/meta-data/ami-launch-index'), '0');
    assert.equal(get('/latest/meta-data/reservation-id'), 'r-abc123');
    assert.equal(get('/ec2/latest/meta-data/instance-type'), 'm1.nano');
    assert.equal(get('/1.0/meta-data/').includes('local-hostname'), false, 'fields come with their EC2 version');
    assert.equal(get('/latest/meta-data/../meta-data/hostname'), 'vm1.novalocal', 'paths normalised');
    missing('/latest/meta-data/nothing');
    missing('/latest/meta-data/hostname/more');
    missing('/2010-01-01/meta-data/');
    missing('/latest/user-data', source({ user_data: null }));
  });
});
