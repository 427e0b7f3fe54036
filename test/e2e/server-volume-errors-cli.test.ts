import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { faultMessage, type Json, refused, volumeCloud } from '../support/volume-cli.ts';

/**
 * Nova's volume APIs and their refusals end to end: a cloud of separate
 * processes under Keystone (MariaDB, RabbitMQ) with nova-volume (file
 * driver) and a fake compute host, driven by the unmodified `openstack` and
 * `nova` clients (raw HTTP with a token where they cannot say it):
 * attachment tag (2.49) and delete_on_termination (2.79, updated at 2.85),
 * `openstack server volume list` and `nova volume-attachments`; an in-use
 * volume, a missing volume, a deleted server, a suspended server, the root
 * volume, the swap (PUT with another volume: 409, the volume service never
 * migrates volumes); the os-volumes/os-snapshots proxies at 2.35, 404 at 2.36.
 */
describe('the openstack and nova clients: server volume errors against nova-volume', () => {
  const v = volumeCloud();
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
  before(async () => {
    if (!v.skip) await v.cli.rawImage('disk', 3);
  });

  let vm1: Json;
  let vm2: Json;
  let data: Json;
  let data2: Json;

  it('attaches with a tag and delete_on_termination, lists them with both clients, updates delete_on_termination at 2.85', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const c = v.cli;
    await c.os(['volume', 'create', '--size', '1', 'data']);
    await c.os(['volume', 'create', '--size', '1', 'data2']);
    data = await c.volumeStatus('data', 'available');
    data2 = await c.volumeStatus('data2', 'available');
    vm1 = await c.osJson(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--wait', 'vm1']);
    vm2 = await c.osJson(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--wait', 'vm2']);

    await c.os(['--os-compute-api-version', '2.79', 'server', 'add', 'volume', '--tag', 'db', '--enable-delete-on-termination', 'vm1', 'data']);
    await c.volumeStatus('data', 'in-use');
    const listed = await c.osJson<Json[]>(['--os-compute-api-version', '2.89', 'server', 'volume', 'list', 'vm1']);
    assert.equal(listed.length, 1, JSON.stringify(listed));
    const [att] = listed as [Json];
    assert.equal(att['Volume ID'], data.id);
    assert.equal(att['Server ID'], vm1.id);
    assert.equal(att.Device, '/dev/vdb');
    assert.equal(att.Tag, 'db');
    assert.equal(att['Delete On Termination?'], true);
    assert.match(String(att['Attachment ID']), /^[0-9a-f-]{36}$/);
    assert.match(String(att['BlockDeviceMapping UUID']), /^[0-9a-f-]{36}$/);
    // Before 2.70 the list has no tag; before 2.79 no delete_on_termination.
    const old = await c.osJson<Json[]>(['--os-compute-api-version', '2.1', 'server', 'volume', 'list', 'vm1']);
    assert.deepEqual(Object.keys(old[0] ?? {}).sort(), ['Device', 'ID', 'Server ID', 'Volume ID']);

    const table = await c.nova(['--os-compute-api-version', '2.79', 'volume-attachments', 'vm1']);
    assert.match(table.stdout, /DELETE ON TERMINATION/);
    assert.match(table.stdout, new RegExp(`${data.id}.*`));
    assert.match(table.stdout, /\| db +\|/);

    // delete_on_termination updated from 2.85 (PUT with the same volume); before, the body cannot have it.
    await c.os(['--os-compute-api-version', '2.85', 'server', 'volume', 'update', '--preserve-on-termination', 'vm1', String(data.id)]);
    const now = await c.osJson<Json[]>(['--os-compute-api-version', '2.85', 'server', 'volume', 'list', 'vm1']);
    assert.equal(now[0]?.['Delete On Termination?'], false);
    const early = await c.api('PUT', `/servers/${vm1.id}/os-volume_attachments/${data.id}`, { volumeAttachment: { volumeId: data.id, delete_on_termination: true } }, '2.84');
    assert.equal(early.status, 400, JSON.stringify(early.body));
    assert.match(faultMessage(early.body), /delete_on_termination/);
    const tagEarly = await c.api('POST', `/servers/${vm2.id}/os-volume_attachments`, { volumeAttachment: { volumeId: data2.id, tag: 'x' } }, '2.48');
    assert.equal(tagEarly.status, 400, JSON.stringify(tagEarly.body));
    assert.match(faultMessage(tagEarly.body), /tag/);
  });

  it('refuses as Nova does: an in-use volume, a missing volume, a deleted server, the swap', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const c = v.cli;
    refused(await c.nova(['volume-attach', 'vm2', String(data.id)], false), 400, `Invalid volume: volume ${data.id} is already attached to instances: ${vm1.id}`);
    refused(await c.nova(['volume-attach', 'vm1', missing], false), 404, `Volume ${missing} could not be found.`);

    const gone = await c.osJson(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--wait', 'vm-gone']);
    await c.os(['server', 'delete', '--wait', 'vm-gone']);
    const deleted = await c.api('POST', `/servers/${gone.id}/os-volume_attachments`, { volumeAttachment: { volumeId: data2.id } });
    assert.equal(deleted.status, 404);
    assert.equal(faultMessage(deleted.body), `Instance ${gone.id} could not be found.`);
    const detachGone = await c.api('DELETE', `/servers/${gone.id}/os-volume_attachments/${data2.id}`);
    assert.equal(detachGone.status, 404);
    assert.equal((await c.osJson(['volume', 'show', 'data2'])).status, 'available', 'nothing reserved');

    // Swap (PUT with another volume, admin): the volume service never migrates volumes, so Nova's 409 comes first; an unknown old volume is 404.
    refused(await c.nova(['volume-update', 'vm1', String(data.id), String(data2.id)], false), 409, `volume ${data.id} is not migrating; this API should only be called by Cinder`);
    const unknownOld = await c.api('PUT', `/servers/${vm1.id}/os-volume_attachments/${missing}`, { volumeAttachment: { volumeId: data2.id } });
    assert.equal(unknownOld.status, 404);
    assert.equal(faultMessage(unknownOld.body), `Volume ${missing} could not be found.`);
    const noVolumeId = await c.api('PUT', `/servers/${vm1.id}/os-volume_attachments/${data.id}`, { volumeAttachment: {} });
    assert.equal(noVolumeId.status, 400);
    const device = await c.api('PUT', `/servers/${vm1.id}/os-volume_attachments/${data.id}`, { volumeAttachment: { volumeId: data.id, device: '/dev/vdz' } }, '2.85');
    assert.equal(device.status, 400);
    assert.equal(faultMessage(device.body), 'The device property is not mutable');
    assert.equal((await c.osJson(['volume', 'show', 'data2'])).status, 'available');
  });

  it("refuses attach and detach while the server is suspended (409), and the root volume's detach (400)", async (t) => {
    if (v.skip) return t.skip(v.skip);
    const c = v.cli;
    await c.os(['server', 'suspend', 'vm1']);
    await c.serverStatus('vm1', 'SUSPENDED');
    refused(await c.nova(['volume-attach', 'vm1', String(data2.id)], false), 409, `Cannot 'attach_volume' instance ${vm1.id} while it is in vm_state suspended`);
    refused(await c.nova(['volume-detach', 'vm1', String(data.id)], false), 409, `Cannot 'detach_volume' instance ${vm1.id} while it is in vm_state suspended`);
    assert.equal((await c.osJson(['volume', 'show', 'data2'])).status, 'available');
    await c.os(['server', 'resume', 'vm1']);
    await c.serverStatus('vm1', 'ACTIVE');
    await c.os(['server', 'remove', 'volume', 'vm1', 'data']);
    await c.volumeStatus('data', 'available');

    await c.os(['volume', 'create', '--image', 'disk', '--size', '1', 'bootvol']);
    await c.volumeStatus('bootvol', 'available');
    const bfv = await c.osJson(['server', 'create', '--volume', 'bootvol', '--flavor', 'm1.tiny', '--wait', 'vm-bfv']);
    assert.equal(bfv.status, 'ACTIVE');
    refused(await c.os(['server', 'remove', 'volume', 'vm-bfv', 'bootvol'], false), 400, 'Cannot detach a root device volume');
    await c.volumeStatus('bootvol', 'in-use');
    await c.os(['server', 'delete', '--wait', 'vm-bfv']);
    await c.volumeStatus('bootvol', 'available');
  });

  it('the os-volumes and os-snapshots proxies up to 2.35, 404 from 2.36', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const c = v.cli;
    await c.os(['server', 'add', 'volume', 'vm2', 'data']);
    await c.volumeStatus('data', 'in-use');
    const list = await c.api('GET', '/os-volumes/detail', undefined, '2.35');
    assert.equal(list.status, 200);
    const shown = (list.body.volumes as Json[]).find((v) => v.id === data.id);
    assert.deepEqual(shown?.attachments, [{ id: data.id, volumeId: data.id, serverId: vm2.id, device: '/dev/vdb' }]);
    assert.equal(shown?.displayName, 'data');
    assert.equal(shown?.status, 'in-use');
    const one = await c.api('GET', `/os-volumes/${data2.id}`, undefined, '2.35');
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.volume.attachments, [{}]);
    const none = await c.api('GET', `/os-volumes/${missing}`, undefined, '2.35');
    assert.equal(none.status, 404);
    assert.equal(faultMessage(none.body), `Volume ${missing} could not be found.`);
    const inUse = await c.api('DELETE', `/os-volumes/${data.id}`, undefined, '2.35');
    assert.equal(inUse.status, 400, JSON.stringify(inUse.body));

    const made = await c.api('POST', '/os-volumes', { volume: { size: 1, display_name: 'proxied' } }, '2.35');
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const proxied = await c.volumeStatus('proxied', 'available');
    assert.equal(proxied.id, made.body.volume.id);
    const snap = await c.api('POST', '/os-snapshots', { snapshot: { volume_id: proxied.id, display_name: 'psnap' } }, '2.35');
    assert.equal(snap.status, 200, JSON.stringify(snap.body));
    assert.equal(snap.body.snapshot.volumeId, proxied.id);
    const snaps = await c.api('GET', '/os-snapshots/detail', undefined, '2.35');
    assert.ok((snaps.body.snapshots as Json[]).some((s) => s.id === snap.body.snapshot.id));
    const snapNone = await c.api('GET', `/os-snapshots/${missing}`, undefined, '2.35');
    assert.equal(snapNone.status, 404);
    assert.equal(faultMessage(snapNone.body), `Snapshot ${missing} could not be found.`);
    for (const p of ['/os-volumes', '/os-volumes/detail', `/os-volumes/${data.id}`, '/os-snapshots', `/os-snapshots/${snap.body.snapshot.id}`]) {
      assert.equal((await c.api('GET', p, undefined, '2.36')).status, 404, `${p} at 2.36`);
    }
    await c.os(['volume', 'snapshot', 'show', 'psnap']);
    assert.equal((await c.api('DELETE', `/os-snapshots/${snap.body.snapshot.id}`, undefined, '2.35')).status, 202);
    await c.os(['server', 'delete', '--wait', 'vm1', 'vm2']);
    await c.volumeStatus('data', 'available');
    await c.os(['volume', 'delete', 'data', 'data2', 'bootvol']);
  });
});
