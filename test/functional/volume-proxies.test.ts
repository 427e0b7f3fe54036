import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { ALICE, BOB, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * The deprecated os-volumes and os-snapshots proxies up to 2.35 (404 from
 * 2.36) with the volume service beside the cloud: Nova's views (displayName,
 * availabilityZone, attachments [{}] when free), create (200, Location),
 * show and its 404, list/detail with limit/offset, another project's volume
 * invisible, delete of an attached volume refused (400), snapshots with
 * force; and no volume service at all: empty lists and 404s.
 */
describe('os-volumes and os-snapshots proxies (nova-volume beside)', () => {
  let vol: VolumeHarness;
  let cloud: Cloud;
  let noVolumes: Cloud;
  let alice: ApiClient;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';

  before(async () => {
    vol = await startVolumeApi();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    cloud = await startCloud({ computes: ['px1'], overrides: { cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` } } });
    noVolumes = await startCloud({ computes: [] });
    alice = new ApiClient(cloud.url, ALICE, '2.35');
  });
  after(async () => {
    await cloud?.stop();
    await noVolumes?.stop();
    await vol?.close();
  });
  const message = (b: Json): string => String((Object.values(b)[0] as Json | undefined)?.message);

  it('creates, shows, lists and deletes volumes as Nova words them; 404 from 2.36', async () => {
    const r = await alice.post<Json>('/os-volumes', { volume: { size: 1, display_name: 'v1', display_description: 'd', metadata: { a: 'b' } } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const v = r.body.volume as Json;
    assert.equal(r.headers.get('location'), `${cloud.url}/v2.1/os-volumes/${v.id}`);
    assert.equal(v.displayName, 'v1');
    assert.equal(v.displayDescription, 'd');
    assert.equal(v.size, 1);
    assert.deepEqual(v.metadata, { a: 'b' });
    assert.deepEqual(v.attachments, [{}]);
    await vol.idle();
    const shown = await alice.get<Json>(`/os-volumes/${v.id}`);
    assert.equal(shown.status, 200);
    assert.deepEqual(Object.keys(shown.body.volume).sort(), [
      'attachments',
      'availabilityZone',
      'createdAt',
      'displayDescription',
      'displayName',
      'id',
      'metadata',
      'size',
      'snapshotId',
      'status',
      'volumeType',
    ]);
    assert.equal(shown.body.volume.status, 'available');
    assert.equal(shown.body.volume.availabilityZone, 'nova');
    await vol.volume({ name: 'second' });
    await vol.volume({ name: 'bobs' }, BOB);
    const all = (await alice.get<Json>('/os-volumes/detail')).body.volumes as Json[];
    assert.equal(all.length, 2, 'only the project’s volumes');
    assert.equal(((await alice.get<Json>('/os-volumes?limit=1&offset=1')).body.volumes as Json[]).length, 1);
    const none = await alice.get<Json>(`/os-volumes/${missing}`);
    assert.equal(none.status, 404);
    assert.equal(message(none.body), `Volume ${missing} could not be found.`);
    assert.equal((await alice.at('2.36').get('/os-volumes')).status, 404);
    assert.equal((await alice.delete(`/os-volumes/${v.id}`)).status, 202);
    await until(async () => (await vol.call('GET', `/v3/volumes/${v.id}`)).status === 404, 10_000, 'deleted', 50);
  });

  it('an attached volume shows its server and cannot be deleted (400)', async () => {
    const srv = await alice.at('2.37').boot('px-vm', { networks: 'none' });
    await alice.waitFor(srv, ['ACTIVE']);
    const v = await vol.volume({ name: 'att' });
    assert.equal((await alice.post(`/servers/${srv}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id } })).status, 200);
    await until(async () => (await alice.get<Json>(`/os-volumes/${v.id}`)).body.volume.status === 'in-use', 10_000, 'in-use', 50);
    const shown = (await alice.get<Json>(`/os-volumes/${v.id}`)).body.volume as Json;
    assert.deepEqual(shown.attachments, [{ id: v.id, volumeId: v.id, serverId: srv, device: '/dev/vdb' }]);
    const del = await alice.delete<Json>(`/os-volumes/${v.id}`);
    assert.equal(del.status, 400);
    // Snapshots of an in-use volume need force.
    const refused = await alice.post<Json>('/os-snapshots', { snapshot: { volume_id: v.id, display_name: 's' } });
    assert.equal(refused.status, 400);
    const s = await alice.post<Json>('/os-snapshots', { snapshot: { volume_id: v.id, display_name: 's', force: true } });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.equal(s.body.snapshot.volumeId, v.id);
    assert.equal(s.body.snapshot.displayName, 's');
    await vol.idle();
    assert.equal(((await alice.get<Json>('/os-snapshots/detail')).body.snapshots as Json[]).length, 1);
    assert.equal((await alice.get<Json>(`/os-snapshots/${s.body.snapshot.id}`)).status, 200);
    const gone = await alice.get<Json>(`/os-snapshots/${missing}`);
    assert.equal(gone.status, 404);
    assert.equal(message(gone.body), `Snapshot ${missing} could not be found.`);
    assert.equal((await alice.delete(`/os-snapshots/${s.body.snapshot.id}`)).status, 202);
    assert.equal((await alice.at('2.36').get('/os-snapshots')).status, 404);
    await alice.delete(`/servers/${srv}`);
    await alice.waitGone(srv);
  });

  it('without a volume service: empty lists, 404 for a volume, 400 for a create', async () => {
    const c = new ApiClient(noVolumes.url, ALICE, '2.35');
    assert.deepEqual((await c.get<Json>('/os-volumes')).body, { volumes: [] });
    assert.deepEqual((await c.get<Json>('/os-snapshots/detail')).body, { snapshots: [] });
    assert.equal((await c.get(`/os-volumes/${missing}`)).status, 404);
    assert.equal((await c.post('/os-volumes', { volume: { size: 1 } })).status, 400);
  });
});
