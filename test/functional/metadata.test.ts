import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { signInstanceId } from '../../src/api/metadata/handler.ts';
import type { MetadataNetwork } from '../../src/api/metadata/network.ts';
import { metadataService } from '../../src/cmd/services/metadata.ts';
import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import { MemoryTransport } from '../../src/rpc/memory.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

const SECRET = 'proxy-secret';
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKzQrSq8Mnao7CZ5I8RMyxEA2OkhN1Ra/Ne86M4MLBEl meta@test';
const USER_DATA = '#!/bin/sh\necho metadata\n';

/** nova-api-metadata over a cloud's database (in this process), with the proxy on or off, its network a fixed IP table. */
function metadataApp(cloud: Cloud, fixedIps: Map<string, string>, overrides: Record<string, Record<string, string>> = {}): FastifyInstance {
  const conf = loadConfig({
    overrides: {
      DEFAULT: { state_path: cloud.conf.DEFAULT.state_path },
      database: { connection: cloud.conf.database.connection },
      api: { metadata_cache_expiration: '0' },
      ...overrides,
    },
  });
  const network: MetadataNetwork = { instanceByAddress: async (a) => fixedIps.get(a) ?? null, securityGroups: async () => ['default', 'web'] };
  return metadataService(conf, cloud.db, new MemoryTransport('memory://metadata-test'), silentLogger(), network).manager.app;
}

describe('nova-api-metadata', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let proxied: FastifyInstance;
  let direct: FastifyInstance;
  let server = '';
  let plain = '';
  let project = '';

  before(async () => {
    cloud = await startCloud({ computes: ['host-a'] });
    api = new ApiClient(cloud.url, 'alice:projA');
    assert.equal((await api.post('/os-keypairs', { keypair: { name: 'mdkey', public_key: KEY } })).status, 200);
    server = await api.boot('md-vm-1', { key_name: 'mdkey', user_data: Buffer.from(USER_DATA).toString('base64'), metadata: { role: 'web' } });
    plain = await api.boot('md-vm-2');
    await api.waitFor(server, ['ACTIVE']);
    await api.waitFor(plain, ['ACTIVE']);
    project = (await cloud.db.instances.get(server)).project_id;
    proxied = metadataApp(cloud, new Map(), { neutron: { service_metadata_proxy: 'true', metadata_proxy_shared_secret: SECRET } });
    direct = metadataApp(cloud, new Map([['10.0.0.5', server]]));
  });
  after(async () => {
    await proxied?.close();
    await direct?.close();
    await cloud?.stop();
  });

  /** A request as Neutron's metadata proxy sends it. */
  const viaProxy = (url: string, id = server, over: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET', payload?: string) =>
    proxied.inject({
      method,
      url,
      payload,
      headers: { 'x-instance-id': id, 'x-tenant-id': project, 'x-instance-id-signature': signInstanceId(SECRET, id), 'x-forwarded-for': '10.0.0.5', ...over },
    });

  it('lists the EC2 versions at / without asking who calls', async () => {
    const r = await proxied.inject({ url: '/' });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain/);
    assert.equal(r.body.split('\n').at(-1), 'latest');
    assert.equal(r.body.split('\n')[0], '1.0');
  });

  it('checks the proxy signature as Nova does: 400 for missing headers, 403 for a bad signature, 404 for another tenant', async () => {
    const noId = await proxied.inject({ url: '/openstack', headers: { 'x-tenant-id': project, 'x-instance-id-signature': 'x' } });
    assert.equal(noId.statusCode, 400);
    assert.match(noId.body, /X-Instance-ID header is missing from request\./);
    const noSig = await proxied.inject({ url: '/openstack', headers: { 'x-instance-id': server, 'x-tenant-id': project } });
    assert.equal(noSig.statusCode, 400);
    assert.match(noSig.body, /X-Instance-ID-Signature header is missing/);
    const noTenant = await proxied.inject({ url: '/openstack', headers: { 'x-instance-id': server, 'x-instance-id-signature': signInstanceId(SECRET, server) } });
    assert.equal(noTenant.statusCode, 400);
    const bad = await viaProxy('/openstack', server, { 'x-instance-id-signature': signInstanceId('other-secret', server) });
    assert.equal(bad.statusCode, 403);
    assert.match(bad.body, /Invalid proxy request signature\./);
    assert.equal((await viaProxy('/openstack', server, { 'x-instance-id-signature': '' })).statusCode, 403);
    assert.equal((await viaProxy('/openstack', server, { 'x-tenant-id': 'someone-else' })).statusCode, 404);
    const missing = '00000000-0000-4000-8000-000000000000';
    assert.equal((await viaProxy('/openstack', missing)).statusCode, 404);
    const json = await viaProxy('/openstack', server, { 'x-instance-id-signature': 'nope', accept: 'application/json' });
    assert.equal(JSON.parse(json.body).code, '403 Forbidden');
  });

  it('serves the OpenStack tree: listings, meta_data.json, user_data, vendor and network data', async () => {
    const versions = (await viaProxy('/openstack')).body.split('\n');
    assert.deepEqual(versions.slice(0, 2), ['2012-08-10', '2013-04-04']);
    assert.equal(versions.at(-1), 'latest');
    assert.ok(versions.includes('2018-08-27'));
    assert.equal((await viaProxy('/openstack/latest/')).body, 'meta_data.json\nuser_data\npassword\nvendor_data.json\nnetwork_data.json\nvendor_data2.json');
    assert.equal((await viaProxy('/openstack/2012-08-10')).body, 'meta_data.json\nuser_data');
    const r = await viaProxy('/openstack/latest/meta_data.json');
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    const md = JSON.parse(r.body) as Record<string, unknown>;
    assert.equal(md.uuid, server);
    assert.equal(md.name, 'md-vm-1');
    assert.equal(md.hostname, 'md-vm-1.novalocal');
    assert.equal(md.project_id, project);
    assert.equal(md.launch_index, 0);
    assert.equal(md.availability_zone, 'nova');
    assert.deepEqual(md.meta, { role: 'web' });
    assert.deepEqual(md.public_keys, { mdkey: KEY });
    assert.deepEqual(md.keys, [{ name: 'mdkey', type: 'ssh', data: KEY }]);
    assert.deepEqual(md.devices, []);
    assert.deepEqual(md.dedicated_cpus, []);
    assert.equal(Buffer.from(md.random_seed as string, 'base64').length, 512);
    assert.notEqual(JSON.parse((await viaProxy('/openstack/latest/meta_data.json')).body).random_seed, md.random_seed, 'a new seed each read');
    const old = JSON.parse((await viaProxy('/openstack/2012-08-10/meta_data.json')).body) as Record<string, unknown>;
    assert.ok(!('random_seed' in old) && !('project_id' in old) && !('devices' in old));
    assert.equal((await viaProxy('/openstack/latest/user_data')).body, USER_DATA);
    assert.equal((await viaProxy('/openstack/latest/user_data', plain)).statusCode, 404, 'no user data: 404');
    assert.deepEqual(JSON.parse((await viaProxy('/openstack/latest/vendor_data.json')).body), {});
    assert.deepEqual(JSON.parse((await viaProxy('/openstack/latest/vendor_data2.json')).body), { static: {} });
    assert.deepEqual(JSON.parse((await viaProxy('/openstack/latest/network_data.json')).body), {}, 'no ports yet');
    assert.equal((await viaProxy('/openstack/2012-08-10/vendor_data.json')).statusCode, 404);
    assert.equal((await viaProxy('/openstack/1999-01-01/meta_data.json')).statusCode, 404);
    const nf = await viaProxy('/openstack/latest/nothing', server, { accept: '*/*' });
    assert.equal(nf.statusCode, 404);
    assert.match(nf.body, /<title>404 Not Found<\/title>[\s\S]*The resource could not be found\./);
  });

  it('serves the EC2 tree', async () => {
    assert.equal((await viaProxy('/latest')).body, 'meta-data/\nuser-data');
    const listing = (await viaProxy('/latest/meta-data/')).body.split('\n');
    for (const k of ['ami-id', 'hostname', 'instance-id', 'local-ipv4', 'placement/', 'public-keys/', 'reservation-id', 'security-groups']) assert.ok(listing.includes(k), k);
    const id = (await cloud.db.instances.get(server)).id;
    assert.equal((await viaProxy('/latest/meta-data/instance-id')).body, `i-${id.toString(16).padStart(8, '0')}`);
    assert.equal((await viaProxy('/2009-04-04/meta-data/hostname')).body, 'md-vm-1.novalocal');
    assert.equal((await viaProxy('/latest/meta-data/local-ipv4')).body, '10.0.0.5', 'no port: the X-Forwarded-For address');
    assert.equal((await viaProxy('/latest/meta-data/public-keys/')).body, '0=mdkey');
    assert.equal((await viaProxy('/latest/meta-data/public-keys/0/openssh-key')).body, KEY);
    assert.equal((await viaProxy('/latest/meta-data/placement/availability-zone')).body, 'nova');
    assert.equal((await viaProxy('/latest/meta-data/security-groups')).body, 'default\nweb');
    assert.match((await viaProxy('/latest/meta-data/ami-id')).body, /^ami-[0-9a-f]{8}$/);
    assert.match((await viaProxy('/latest/meta-data/reservation-id')).body, /^r-/);
    assert.equal((await viaProxy('/latest/user-data')).body, USER_DATA);
    assert.equal((await viaProxy('/latest/user-data', plain)).statusCode, 404);
    assert.equal((await viaProxy('/latest/meta-data/nothing')).statusCode, 404);
  });

  it('takes the password once from the guest, which os-server-password shows and clears', async () => {
    assert.equal((await viaProxy('/openstack/latest/password')).body, '');
    assert.equal((await viaProxy('/openstack/2012-08-10/password')).statusCode, 404);
    const big = await viaProxy('/openstack/latest/password', server, {}, 'POST', 'x'.repeat(1021));
    assert.equal(big.statusCode, 400);
    assert.match(big.body, /Request is too large\./);
    const secret = 'c2VjcmV0'.repeat(100);
    assert.equal((await viaProxy('/openstack/latest/password', server, {}, 'POST', secret)).statusCode, 200);
    assert.equal((await viaProxy('/openstack/latest/password')).body, secret);
    assert.equal((await api.get<{ password: string }>(`/servers/${server}/os-server-password`)).body.password, secret);
    const again = await viaProxy('/openstack/latest/password', server, {}, 'POST', 'other');
    assert.equal(again.statusCode, 409);
    assert.equal((await api.delete(`/servers/${server}/os-server-password`)).status, 204);
    assert.equal((await viaProxy('/openstack/latest/password')).body, '');
    assert.equal((await viaProxy('/openstack/latest/password', server, {}, 'POST', 'new')).statusCode, 200);
    assert.equal(
      (
        await proxied.inject({
          method: 'PUT',
          url: '/openstack/latest/password',
          headers: { 'x-instance-id': server, 'x-tenant-id': project, 'x-instance-id-signature': signInstanceId(SECRET, server) },
        })
      ).statusCode,
      400,
    );
  });

  it('without the proxy finds the instance by the address the request comes from (404 when unknown)', async () => {
    const inject = (remoteAddress: string, url: string, headers: Record<string, string> = {}) => direct.inject({ url, remoteAddress, headers });
    const r = await inject('10.0.0.5', '/openstack/latest/meta_data.json');
    assert.equal(r.statusCode, 200);
    assert.equal(JSON.parse(r.body).uuid, server);
    assert.equal((await inject('10.0.0.6', '/openstack/latest/meta_data.json')).statusCode, 404);
    assert.equal((await inject('10.0.0.6', '/latest/meta-data/hostname', { 'x-forwarded-for': '10.0.0.5' })).statusCode, 404, 'X-Forwarded-For not trusted by default');
    const signed = { 'x-instance-id': server, 'x-tenant-id': project, 'x-instance-id-signature': signInstanceId(SECRET, server) };
    assert.equal((await inject('10.0.0.6', '/latest/meta-data/hostname', signed)).statusCode, 404, 'X-Instance-ID ignored without the proxy');
    const trusting = metadataApp(cloud, new Map([['10.0.0.5', server]]), { api: { metadata_cache_expiration: '0', use_forwarded_for: 'true' } });
    const fwd = await trusting.inject({ url: '/latest/meta-data/hostname', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '10.0.0.5, 192.0.2.1' } });
    assert.equal(fwd.body, 'md-vm-1.novalocal');
    await trusting.close();
  });
});
