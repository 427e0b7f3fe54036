import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { body, createImage, type ImageHarness, startImageApi } from './image-harness.ts';
import { ADMIN, ALICE, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * createImage of a volume-backed server (Nova's snapshot_volume_backed)
 * with the image and volume services beside the cloud: a forced snapshot of
 * each volume, an active image of size 0 whose properties hold the
 * mappings (block_device_mapping, bdm_v2, root_device_name) and what the
 * instance's image gave, the server left as it was; a boot from that image
 * gets its root volume made from the snapshot; Nova's refusals (a deleted
 * server, the state, the snapshots quota, an image that requires quiescing).
 */
describe('createImage of a volume-backed server', () => {
  let vol: VolumeHarness;
  let glance: ImageHarness;
  let glanceUrl = '';
  let cloud: Cloud;
  let alice: ApiClient;
  let admin: ApiClient;
  const data = Buffer.alloc(4096, 7);

  before(async () => {
    vol = await startVolumeApi();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    glance = await startImageApi();
    glanceUrl = await glance.listen();
    cloud = await startCloud({
      computes: ['vbs1'],
      overrides: { cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` }, glance: { api_servers: glanceUrl } },
    });
    alice = new ApiClient(cloud.url, ALICE, '2.79');
    admin = new ApiClient(cloud.url, ADMIN, '2.79');
  });
  after(async () => {
    await cloud?.stop();
    await vol?.close();
    await glance?.close();
  });

  /** An image in both services (the same id): nova-api checks it with the image service, the volume service copies its data. */
  const sourceImage = async (name: string, properties: Json = {}): Promise<string> => {
    const img = await createImage(glance, { name, visibility: 'public', ...properties }, 'admin:admin');
    const id = String(img.id);
    await glance.call('PUT', `/v2/images/${id}/file`, { token: 'admin:admin', body: data });
    vol.images.add(data, { id, name, properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)])) });
    return id;
  };
  const image = async (id: string): Promise<Json> => body((await glance.call('GET', `/v2/images/${id}`, { token: 'admin:admin' })) as { body: string });
  const volume = async (id: string): Promise<Json | null> => {
    const r = await vol.call('GET', `/v3/volumes/${id}`);
    return r.status === 404 ? null : (r.body.volume as Json);
  };
  const snapshot = async (id: string): Promise<Json> => (await vol.call('GET', `/v3/snapshots/${id}`)).body.snapshot as Json;
  /** A server whose root is a new 1 GiB volume made from `imageId`. */
  const bootOnVolume = async (name: string, imageId: string, extra: Json = {}): Promise<string> => {
    const r = await alice.post<Json>('/servers', {
      server: {
        name,
        flavorRef: '1',
        networks: 'none',
        block_device_mapping_v2: [{ source_type: 'image', uuid: imageId, destination_type: 'volume', volume_size: 1, boot_index: 0, delete_on_termination: true }],
        ...extra,
      },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    return String(r.body.server.id);
  };
  const rootVolume = async (server: string): Promise<string> => {
    const root = (await cloud.db.blockDevices.listByInstance(server)).find((b) => b.boot_index === 0);
    assert.ok(root?.volume_id, 'the root mapping has its volume');
    return root.volume_id;
  };

  let snapImage = '';
  let snapId = '';
  let origin = '';
  let originVolume = '';

  it('snapshots the volumes and creates an active image of size 0 holding the mappings, leaving the server as it was', async () => {
    const src = await sourceImage('cirros-vb', { os_distro: 'cirros', hw_disk_bus: 'virtio', img_signature: 'sig' });
    origin = await bootOnVolume('vb-origin', src);
    await alice.waitFor(origin, ['ACTIVE']);
    originVolume = await rootVolume(origin);
    const r = await alice.at('2.1').post(`/servers/${origin}/action`, { createImage: { name: 'vb-snap', metadata: { purpose: 'test', bdm_v2: 'no' } } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const location = r.headers.get('location') ?? '';
    assert.match(location, new RegExp(`^${glanceUrl}/images/[0-9a-f-]{36}$`));
    snapImage = location.split('/').at(-1) ?? '';
    const shown = await image(snapImage);
    assert.equal(shown.status, 'active', 'no data to wait for');
    assert.equal(shown.size, 0);
    assert.equal(shown.disk_format, 'raw');
    assert.equal(shown.container_format, 'bare');
    assert.equal(shown.name, 'vb-snap');
    assert.equal(shown.visibility, 'private');
    assert.equal(shown.owner, 'projA');
    assert.equal(shown.bdm_v2, 'True', "Nova's own value, not the request's");
    assert.equal(shown.root_device_name, '/dev/vda');
    assert.equal(shown.os_distro, 'cirros', "inherits the instance image's properties");
    assert.equal(shown.hw_disk_bus, 'virtio');
    assert.equal(shown.img_signature, undefined, 'minus the non-inheritable ones');
    assert.equal(shown.purpose, 'test');
    for (const k of ['instance_uuid', 'image_type', 'user_id', 'image_location']) assert.equal(shown[k], undefined, `${k}: not a property of a volume-backed snapshot`);
    const mappings = JSON.parse(String(shown.block_device_mapping)) as Json[];
    assert.equal(mappings.length, 1, String(shown.block_device_mapping));
    const [m] = mappings;
    snapId = String(m?.snapshot_id);
    assert.deepEqual(m, {
      source_type: 'snapshot',
      destination_type: 'volume',
      guest_format: null,
      device_type: null,
      disk_bus: null,
      boot_index: 0,
      device_name: '/dev/vda',
      delete_on_termination: true,
      snapshot_id: snapId,
      volume_id: null,
      volume_size: 1,
      image_id: null,
      no_device: null,
      tag: null,
      volume_type: null,
      encrypted: null,
      encryption_secret_uuid: null,
      encryption_format: null,
      encryption_options: null,
    });
    await until(async () => (await snapshot(snapId)).status === 'available', 15_000, 'the volume snapshot available', 50);
    const s = await snapshot(snapId);
    assert.equal(s.volume_id, originVolume);
    assert.equal(s.name, 'snapshot for vb-snap');
    assert.equal(s.size, 1);
    const server = await alice.server(origin);
    assert.equal(server.status, 'ACTIVE');
    assert.equal(server['OS-EXT-STS:task_state'], null);
    assert.equal((await volume(originVolume))?.status, 'in-use');
    const actions = await alice.get<{ instanceActions: { action: string; request_id: string }[] }>(`/servers/${origin}/os-instance-actions`);
    const action = actions.body.instanceActions.find((a) => a.action === 'createImage');
    assert.ok(action, JSON.stringify(actions.body));
    const events = await admin.get<{ instanceAction: { events: { event: string; result: string }[] } }>(`/servers/${origin}/os-instance-actions/${action.request_id}`);
    assert.deepEqual(
      events.body.instanceAction.events.map((e) => [e.event, e.result]),
      [['api_snapshot_instance', 'Success']],
    );
  });

  it('boots from that image: the root is a new volume made from the snapshot, deleted with the server', async () => {
    assert.ok(snapImage, 'the snapshot of the first test');
    const r = await alice.post<Json>('/servers', { server: { name: 'vb-clone', imageRef: snapImage, flavorRef: '1', networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    const s = await alice.waitFor(id, ['ACTIVE']);
    assert.equal((s.image as Json).id, snapImage);
    const bdms = await cloud.db.blockDevices.listByInstance(id);
    assert.equal(bdms.length, 1, JSON.stringify(bdms));
    const [root] = bdms;
    assert.equal(root?.source_type, 'snapshot');
    assert.equal(root?.snapshot_id, snapId);
    assert.equal(root?.destination_type, 'volume');
    assert.equal(root?.boot_index, 0);
    assert.ok(root?.volume_id && root.volume_id !== originVolume, 'a new volume');
    const made = await volume(root.volume_id);
    assert.equal(made?.status, 'in-use');
    assert.equal(made?.snapshot_id, snapId);
    assert.equal(made?.size, 1);
    assert.deepEqual(s['os-extended-volumes:volumes_attached'], [{ id: root.volume_id, delete_on_termination: true }]);
    assert.deepEqual(
      (hypervisorOf('vbs1', null).guests.get(id)?.disks ?? []).map((d) => [d.volume_id, d.mount_device]),
      [[root.volume_id, '/dev/vda']],
    );
    // It is volume-backed in turn: its own snapshot is of its volume.
    const again = await alice.at('2.45').post<{ image_id: string }>(`/servers/${id}/action`, { createImage: { name: 'vb-snap-2' } });
    assert.equal(again.status, 202, JSON.stringify(again.body));
    const second = JSON.parse(String((await image(again.body.image_id)).block_device_mapping)) as Json[];
    assert.equal(second.length, 1);
    assert.notEqual(second[0]?.snapshot_id, snapId);
    assert.equal((await snapshot(String(second[0]?.snapshot_id))).volume_id, root.volume_id);
    await until(async () => (await snapshot(String(second[0]?.snapshot_id))).status === 'available', 15_000, 'second snapshot available', 50);
    await vol.call('DELETE', `/v3/snapshots/${second[0]?.snapshot_id}`);
    await until(async () => (await vol.call('GET', `/v3/snapshots/${second[0]?.snapshot_id}`)).status === 404, 15_000, 'second snapshot deleted', 50);
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
    await until(async () => (await volume(root.volume_id ?? '')) === null, 15_000, 'the new volume deleted (delete_on_termination from the image)', 50);
  });

  it("snapshots a stopped server that has no image (booted from a volume made from one: its image metadata without the image's attributes)", async () => {
    const src = await sourceImage('cirros-in-volume', { os_distro: 'from-volume' });
    const v = await vol.volume({ name: 'plain-root', imageRef: src });
    assert.equal(v.volume_image_metadata?.size, String(data.length), 'the volume service keeps the image size among them');
    assert.equal((await vol.call('POST', `/v3/volumes/${v.id}/action`, { 'os-set_bootable': { bootable: true } })).status, 200);
    const r = await alice.post<Json>('/servers', {
      server: { name: 'vb-noimage', flavorRef: '1', networks: 'none', block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: v.id, boot_index: 0 }] },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    await alice.waitFor(id, ['ACTIVE']);
    assert.equal((await alice.post(`/servers/${id}/action`, { 'os-stop': null })).status, 202);
    await alice.waitFor(id, ['SHUTOFF']);
    const snap = await alice.at('2.45').post<{ image_id: string }>(`/servers/${id}/action`, { createImage: { name: 'no-image' } });
    assert.equal(snap.status, 202, JSON.stringify(snap.body));
    const shown = await image(snap.body.image_id);
    assert.equal(shown.status, 'active');
    assert.equal(shown.os_distro, 'from-volume');
    assert.equal(shown.size, 0);
    for (const k of ['image_id', 'image_name']) assert.equal(shown[k], undefined, `${k}: an image attribute, not inherited`);
    const [m] = JSON.parse(String(shown.block_device_mapping)) as Json[];
    assert.equal(m?.delete_on_termination, false);
    assert.equal(m?.volume_size, 1);
    assert.equal((await snapshot(String(m?.snapshot_id))).volume_id, v.id);
    assert.equal((await alice.server(id)).status, 'SHUTOFF');
    await until(async () => (await snapshot(String(m?.snapshot_id))).status === 'available', 15_000, 'snapshot available', 50);
  });

  it('refuses as Nova does: a deleted server, the state, the snapshots quota, an image that requires quiescing', async () => {
    const gone = await bootOnVolume('vb-gone', await sourceImage('cirros-gone'));
    await alice.waitFor(gone, ['ACTIVE']);
    await alice.delete(`/servers/${gone}`);
    await alice.waitGone(gone);
    const missing = await alice.post<Json>(`/servers/${gone}/action`, { createImage: { name: 'x' } });
    assert.equal(missing.status, 404, JSON.stringify(missing.body));

    const failed = await bootOnVolume('vb-error', await sourceImage('cirros-error'), { metadata: { fake_spawn_fail: 'true' } });
    await alice.waitFor(failed, ['ERROR']);
    const state = await alice.post<Json>(`/servers/${failed}/action`, { createImage: { name: 'x' } });
    assert.equal(state.status, 409, JSON.stringify(state.body));
    assert.equal(state.body.conflictingRequest?.message, `Cannot 'createImage' instance ${failed} while it is in vm_state error`);

    const quiesce = await bootOnVolume('vb-quiesce', await sourceImage('cirros-quiesce', { os_require_quiesce: 'yes' }));
    await alice.waitFor(quiesce, ['ACTIVE']);
    const refused = await alice.post<Json>(`/servers/${quiesce}/action`, { createImage: { name: 'x' } });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.badRequest?.message, `Quiescing is not supported in instance ${quiesce}`);

    const before = ((await vol.call('GET', '/v3/snapshots')).body.snapshots as Json[]).length;
    assert.equal((await vol.call('PUT', '/v3/os-quota-sets/projA', { quota_set: { snapshots: before } }, ADMIN)).status, 200);
    const over = await alice.post<Json>(`/servers/${origin}/action`, { createImage: { name: 'x' } });
    assert.equal(over.status, 403, JSON.stringify(over.body));
    assert.equal(over.body.forbidden?.message, 'Quota exceeded for resources: snapshots');
    assert.equal(((await vol.call('GET', '/v3/snapshots')).body.snapshots as Json[]).length, before, 'no snapshot made');
    assert.equal((await vol.call('PUT', '/v3/os-quota-sets/projA', { quota_set: { snapshots: -1 } }, ADMIN)).status, 200);
    // Stopped, the image's os_require_quiesce does not matter (Nova quiesces an ACTIVE server only).
    assert.equal((await alice.post(`/servers/${quiesce}/action`, { 'os-stop': null })).status, 202);
    await alice.waitFor(quiesce, ['SHUTOFF']);
    const stopped = await alice.at('2.45').post<{ image_id: string }>(`/servers/${quiesce}/action`, { createImage: { name: 'quiesce-stopped' } });
    assert.equal(stopped.status, 202, JSON.stringify(stopped.body));
    assert.equal((await image(stopped.body.image_id)).os_require_quiesce, 'yes');
  });
});
