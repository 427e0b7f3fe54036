import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { ALICE, BOB, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * os-volume_attachments on the fake driver with the volume service
 * (nova-volume, in process, its in-memory test driver) beside the cloud,
 * nova reaching it through [cinder] endpoint_template: attach (device,
 * tag, delete_on_termination per microversion), list/show views, the
 * volume in-use with the attachment's NBD connection_info in the mapping,
 * the guest's disk; Nova's refusals (unknown volume, an in-use volume, a
 * deleted server, a state that forbids it, a host whose driver cannot, a
 * tag before 2.49); the volume service's 400 for deleting an attached
 * volume; PUT (delete_on_termination from 2.85, swap refused);
 * detach; server delete with and without delete_on_termination.
 */
describe('os-volume_attachments (fake driver, nova-volume beside)', () => {
  let vol: VolumeHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let server: string;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';

  before(async () => {
    vol = await startVolumeApi();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    cloud = await startCloud({
      computes: ['host1', { host: 'limited', overrides: { fake: { disabled_capabilities: 'supports_attach_volume' } } }],
      overrides: { cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` } },
    });
    alice = new ApiClient(cloud.url, ALICE, '2.79');
    await enabled('limited', false);
    server = await alice.boot('vm-vol', { networks: 'none' });
    await alice.waitFor(server, ['ACTIVE']);
  });
  after(async () => {
    await cloud?.stop();
    await vol?.close();
  });

  const enabled = async (host: string, on: boolean) => {
    const r = await new ApiClient(cloud.url, 'admin:admin', '2.1').put(`/os-services/${on ? 'enable' : 'disable'}`, { host, binary: 'nova-compute' });
    assert.equal(r.status, 200);
  };
  const volume = async (id: string, token = ALICE): Promise<Json | null> => {
    const r = await vol.call('GET', `/v3/volumes/${id}`, undefined, token);
    return r.status === 404 ? null : (r.body.volume as Json);
  };
  const status = (id: string, want: string) => until(async () => (await volume(id))?.status === want, 15_000, `volume ${id} ${want}`, 50);
  const disks = (host: string, uuid: string) => hypervisorOf(host, null).guests.get(uuid)?.disks ?? [];
  const attach = (id: string, extra: Json = {}, c = alice, srv = server) => c.post<Json>(`/servers/${srv}/os-volume_attachments`, { volumeAttachment: { volumeId: id, ...extra } });
  const message = (b: Json): string => String((Object.values(b)[0] as Json | undefined)?.message);

  it('attaches a volume: 200 with its device, the volume in-use, the guest has the disk, the mapping the NBD connection_info', async () => {
    const v = await vol.volume({ name: 'data' });
    const r = await attach(v.id, { tag: 'db', delete_on_termination: true });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.volumeAttachment, { id: v.id, serverId: server, volumeId: v.id, device: '/dev/vdb', tag: 'db', delete_on_termination: true });
    await status(v.id, 'in-use');
    const now = await volume(v.id);
    assert.equal(now?.attachments[0].server_id, server);
    assert.deepEqual(
      disks('host1', server).map((d) => [d.volume_id, d.mount_device, d.driver_volume_type, d.tag]),
      [[v.id, '/dev/vdb', 'nbd', 'db']],
    );
    const bdm = await cloud.db.blockDevices.getByVolume(server, v.id);
    assert.equal(bdm.connection_info?.driver_volume_type, 'nbd');
    assert.equal(bdm.connection_info?.serial, v.id);
    assert.equal(bdm.attachment_id, now?.attachments[0].attachment_id);

    // Views per microversion.
    const list = async (version: string) => (await alice.at(version).get<Json>(`/servers/${server}/os-volume_attachments`)).body.volumeAttachments as Json[];
    assert.deepEqual(await list('2.1'), [{ id: v.id, serverId: server, volumeId: v.id, device: '/dev/vdb' }]);
    assert.deepEqual(await list('2.70'), [{ id: v.id, serverId: server, volumeId: v.id, device: '/dev/vdb', tag: 'db' }]);
    assert.deepEqual(await list('2.89'), [
      { volumeId: v.id, serverId: server, device: '/dev/vdb', tag: 'db', delete_on_termination: true, attachment_id: bdm.attachment_id, bdm_uuid: bdm.uuid },
    ]);
    const show = await alice.get<Json>(`/servers/${server}/os-volume_attachments/${v.id}`);
    assert.equal(show.status, 200);
    assert.equal(show.body.volumeAttachment.delete_on_termination, true);
    const none = await alice.get<Json>(`/servers/${server}/os-volume_attachments/${missing}`);
    assert.equal(none.status, 404);
    assert.equal(message(none.body), `Instance ${server} is not attached to volume ${missing}`);

    // volumes_attached in the server view (2.3: with delete_on_termination).
    const s = await alice.server(server);
    assert.deepEqual(s['os-extended-volumes:volumes_attached'], [{ id: v.id, delete_on_termination: true }]);
    assert.deepEqual((await alice.at('2.1').server(server))['os-extended-volumes:volumes_attached'], [{ id: v.id }]);

    // An attached volume cannot be deleted (the volume service's 400).
    const del = await vol.call('DELETE', `/v3/volumes/${v.id}`);
    assert.equal(del.status, 400);

    // Attached twice: Nova's InvalidVolume.
    const other = await alice.boot('vm-other', { networks: 'none' });
    await alice.waitFor(other, ['ACTIVE']);
    const twice = await attach(v.id, {}, alice, other);
    assert.equal(twice.status, 400);
    assert.equal(message(twice.body), `Invalid volume: volume ${v.id} is already attached to instances: ${server}`);

    // PUT: delete_on_termination from 2.85; the other fields are not mutable; a swap is the volume service's to ask.
    const upd = await alice.at('2.85').put(`/servers/${server}/os-volume_attachments/${v.id}`, { volumeAttachment: { volumeId: v.id, delete_on_termination: false } });
    assert.equal(upd.status, 202);
    assert.equal((await cloud.db.blockDevices.getByVolume(server, v.id)).delete_on_termination, false);
    const dev = await alice.at('2.85').put(`/servers/${server}/os-volume_attachments/${v.id}`, { volumeAttachment: { volumeId: v.id, device: '/dev/vdz' } });
    assert.equal(dev.status, 400);
    assert.equal(message(dev.body), 'The device property is not mutable');
    const swapByUser = await alice.at('2.84').put(`/servers/${server}/os-volume_attachments/${v.id}`, { volumeAttachment: { volumeId: missing } });
    assert.equal(swapByUser.status, 403);
    const swap = await alice.as('admin:admin', '2.84').put(`/servers/${server}/os-volume_attachments/${v.id}`, { volumeAttachment: { volumeId: missing } });
    assert.equal(swap.status, 409);
    assert.equal(message(swap.body), `volume ${v.id} is not migrating; this API should only be called by Cinder`);

    // Detach: the disk gone, the volume available, no mapping.
    const d = await alice.delete(`/servers/${server}/os-volume_attachments/${v.id}`);
    assert.equal(d.status, 202);
    await status(v.id, 'available');
    assert.deepEqual(disks('host1', server), []);
    // The mapping goes just after the attachment (Nova's order: attachment_delete, then bdm.destroy).
    const mappings = async () => (await alice.get<Json>(`/servers/${server}/os-volume_attachments`)).body.volumeAttachments as Json[];
    await until(async () => (await mappings()).length === 0, 15_000, 'the mapping gone', 20);
    const again = await alice.delete(`/servers/${server}/os-volume_attachments/${v.id}`);
    assert.equal(again.status, 404);
    await alice.delete(`/servers/${other}`);
    await alice.waitGone(other);
  });

  it("refuses as Nova does: unknown volume, another project's volume, a tag before 2.49, a deleted server, a state that forbids it", async () => {
    const unknown = await attach(missing);
    assert.equal(unknown.status, 404);
    assert.equal(message(unknown.body), `Volume ${missing} could not be found.`);
    const bobs = await vol.volume({}, BOB);
    const foreign = await attach(bobs.id);
    assert.equal(foreign.status, 404);
    const v = await vol.volume();
    const tagged = await attach(v.id, { tag: 'x' }, alice.at('2.48'));
    assert.equal(tagged.status, 400);
    const dot = await attach(v.id, { delete_on_termination: true }, alice.at('2.78'));
    assert.equal(dot.status, 400);

    const gone = await alice.boot('vm-gone', { networks: 'none' });
    await alice.waitFor(gone, ['ACTIVE']);
    await alice.delete(`/servers/${gone}`);
    await alice.waitGone(gone);
    const deleted = await attach(v.id, {}, alice, gone);
    assert.equal(deleted.status, 404);

    const susp = await alice.boot('vm-suspended', { networks: 'none' });
    await alice.waitFor(susp, ['ACTIVE']);
    assert.equal((await alice.post(`/servers/${susp}/action`, { suspend: null })).status, 202);
    await alice.waitFor(susp, ['SUSPENDED']);
    const r = await attach(v.id, {}, alice, susp);
    assert.equal(r.status, 409);
    assert.equal(message(r.body), `Cannot 'attach_volume' instance ${susp} while it is in vm_state suspended`);
    assert.equal((await volume(v.id))?.status, 'available', 'nothing reserved');
    await alice.delete(`/servers/${susp}`);
    await alice.waitGone(susp);
  });

  it('a host whose driver cannot attach volumes: 501, nothing reserved', async () => {
    await enabled('host1', false);
    await enabled('limited', true);
    try {
      const srv = await alice.boot('vm-limited', { networks: 'none' });
      await alice.waitFor(srv, ['ACTIVE']);
      const v = await vol.volume();
      const r = await attach(v.id, {}, alice, srv);
      assert.equal(r.status, 501);
      assert.equal(message(r.body), 'The requested functionality is not supported.');
      assert.equal((await volume(v.id))?.status, 'available');
      await alice.delete(`/servers/${srv}`);
      await alice.waitGone(srv);
    } finally {
      await enabled('limited', false);
      await enabled('host1', true);
    }
  });

  it('deleting a server deletes its delete_on_termination volumes and makes the others available', async () => {
    const srv = await alice.boot('vm-del', { networks: 'none' });
    await alice.waitFor(srv, ['ACTIVE']);
    const keep = await vol.volume({ name: 'keep' });
    const drop = await vol.volume({ name: 'drop' });
    assert.equal((await attach(keep.id, {}, alice, srv)).status, 200);
    assert.equal((await attach(drop.id, { delete_on_termination: true }, alice, srv)).status, 200);
    await status(keep.id, 'in-use');
    await status(drop.id, 'in-use');
    assert.deepEqual(
      disks('host1', srv)
        .map((d) => d.mount_device)
        .sort(),
      ['/dev/vdb', '/dev/vdc'],
    );
    await alice.delete(`/servers/${srv}`);
    await alice.waitGone(srv);
    await status(keep.id, 'available');
    await until(async () => (await volume(drop.id)) === null || (await volume(drop.id))?.status === 'deleting', 15_000, 'the delete_on_termination volume deleted', 50);
    assert.deepEqual(await cloud.db.blockDevices.listByInstance(srv), []);
  });
});
