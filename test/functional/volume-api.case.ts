/**
 * The volume API (nova-volume, Cinder v3 subset) in process: every route
 * and its errors, with the in-memory test driver and image service.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, BOB, fault, READER, type VolumeHarness } from './volume-harness.ts';

/** The volume API's behaviour on one database backend (SQLite in volume-api.test.ts, MariaDB in volume-mysql.test.ts). */
export function runVolumeApiSuite(label: string, start: () => Promise<VolumeHarness | string>): void {
  describe(`volume API (${label})`, () => {
    let h: VolumeHarness;
    let skip: string | undefined;
    before(async () => {
      const r = await start();
      if (typeof r === 'string') {
        skip = r;
        return;
      }
      h = r;
      await h.call('PUT', '/v3/os-quota-sets/projA', { quota_set: { volumes: 100, snapshots: 100 } }, ADMIN);
    });
    after(async () => {
      await h?.close();
    });

    it('versions at / (300) and /v3/ without a token; microversion headers and 406 outside 3.0–3.70', async (t) => {
      if (skip) return t.skip(skip);
      const root = await h.call('GET', '/', undefined, null);
      assert.equal(root.status, 300);
      assert.equal(root.body.versions[0].id, 'v3.0');
      assert.equal(root.body.versions[0].min_version, '3.0');
      assert.equal(root.body.versions[0].version, '3.70');
      assert.match(root.body.versions[0].links.at(-1).href, /\/v3\/$/);
      assert.equal((await h.call('GET', '/v3/', undefined, null)).status, 200);
      const latest = await h.call('GET', '/v3/types', undefined, ALICE, 'latest');
      assert.equal(latest.headers['openstack-api-version'], 'volume 3.70');
      assert.match(String(latest.headers.vary), /OpenStack-API-Version/);
      const bad = await h.call('GET', '/v3/types', undefined, ALICE, '3.99');
      assert.equal(bad.status, 406);
      const noToken = await h.call('GET', '/v3/volumes', undefined, null);
      assert.equal(noToken.status, 401);
    });

    it('create (202 creating → available), show, list, detail, with and without the project id in the URL', async (t) => {
      if (skip) return t.skip(skip);
      const r = await h.call('POST', '/v3/projA/volumes', { volume: { size: 2, name: 'v1', description: 'd', metadata: { a: 'b' } } });
      assert.equal(r.status, 202);
      assert.equal(r.body.volume.status, 'creating');
      assert.equal(r.body.volume.volume_type, '__DEFAULT__');
      assert.match(r.body.volume.links[0].href, /\/v3\/projA\/volumes\//);
      await h.idle();
      const id = r.body.volume.id;
      const show = await h.call('GET', `/v3/volumes/${id}`);
      assert.equal(show.body.volume.status, 'available');
      assert.equal(show.body.volume.size, 2);
      assert.equal(show.body.volume.bootable, 'false');
      assert.deepEqual(show.body.volume.metadata, { a: 'b' });
      assert.equal(show.body.volume['os-vol-tenant-attr:tenant_id'], 'projA');
      assert.equal(show.body.volume['os-vol-host-attr:host'], undefined);
      assert.equal((await h.call('GET', `/v3/volumes/${id}`, undefined, ADMIN)).body.volume['os-vol-host-attr:host'], 'vhost@file#file');
      assert.equal((await h.call('GET', `/v3/volumes/${id}`, undefined, ALICE, '3.63')).body.volume.volume_type_id.length, 36);
      assert.ok(h.driver.volumes.has(id));
      const list = await h.call('GET', '/v3/projA/volumes');
      assert.deepEqual(Object.keys(list.body.volumes[0]).sort(), ['id', 'links', 'name']);
      assert.ok((await h.call('GET', '/v3/volumes/detail')).body.volumes.some((v: { id: string; size: number }) => v.id === id && v.size === 2));
      const wrong = await h.call('GET', '/v3/projB/volumes');
      assert.equal(wrong.status, 400);
      assert.deepEqual(fault(wrong), { name: 'badRequest', code: 400, message: 'Malformed request url' });
    });

    it('projects are isolated, admins see all with all_tenants, readers cannot write', async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume({ name: 'mine' });
      const hidden = await h.call('GET', `/v3/volumes/${v.id}`, undefined, BOB);
      assert.equal(hidden.status, 404);
      assert.deepEqual(fault(hidden), { name: 'itemNotFound', code: 404, message: `Volume ${v.id} could not be found.` });
      assert.equal((await h.call('DELETE', `/v3/volumes/${v.id}`, undefined, BOB)).status, 404);
      assert.ok(!(await h.call('GET', '/v3/volumes', undefined, BOB)).body.volumes.some((x: { id: string }) => x.id === v.id));
      assert.ok(!(await h.call('GET', '/v3/volumes', undefined, ADMIN)).body.volumes.some((x: { id: string }) => x.id === v.id));
      assert.ok((await h.call('GET', '/v3/volumes?all_tenants=1', undefined, ADMIN)).body.volumes.some((x: { id: string }) => x.id === v.id));
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`, undefined, READER)).status, 200);
      const denied = await h.call('POST', '/v3/volumes', { volume: { size: 1 } }, READER);
      assert.equal(denied.status, 403);
      assert.equal(fault(denied).name, 'forbidden');
    });

    it('create refusals: size, type, zone, snapshot, source, image, body, multiattach', async (t) => {
      if (skip) return t.skip(skip);
      const cases: [unknown, number, RegExp][] = [
        [{ volume: { size: 0 } }, 400, /Invalid volume size provided for create request: 0/],
        [{ volume: { size: 'x' } }, 400, /Invalid volume size/],
        [{ volume: {} }, 400, /Volume size must be provided/],
        [{ volume: { size: 1, volume_type: 'nope' } }, 404, /Volume type with name nope could not be found./],
        [{ volume: { size: 1, availability_zone: 'elsewhere' } }, 400, /Availability zone 'elsewhere' is invalid./],
        [{ volume: { size: 1, snapshot_id: '00000000-0000-0000-0000-000000000000' } }, 404, /Snapshot 00000000-0000-0000-0000-000000000000 could not be found./],
        [{ volume: { size: 1, source_volid: 'gone' } }, 404, /Volume gone could not be found./],
        [{ volume: { size: 1, imageRef: 'gone' } }, 400, /Invalid image identifier or unable to access requested image./],
        [{ volume: { size: 1, multiattach: true } }, 400, /multiattach parameter has been removed/],
        [{ vol: {} }, 400, /Missing required element 'volume' in request body./],
      ];
      for (const [body, status, re] of cases) {
        const r = await h.call('POST', '/v3/volumes', body);
        assert.equal(r.status, status, JSON.stringify(body));
        assert.match(fault(r).message, re);
      }
      const malformed = await h.call('POST', '/v3/volumes', '{nope');
      assert.equal(malformed.status, 400);
    });

    it('from an image (downloaded, bootable, volume_image_metadata), from a snapshot, from a volume; bigger than the image', async (t) => {
      if (skip) return t.skip(skip);
      const image = h.images.add(Buffer.from('IMAGE-BYTES'), { name: 'cirros', min_disk: 1 });
      const fromImage = await h.volume({ imageRef: image.id, size: 1 });
      assert.equal(fromImage.status, 'available');
      assert.equal(fromImage.bootable, 'true');
      assert.equal(fromImage.volume_image_metadata.image_id, image.id);
      assert.equal(fromImage.volume_image_metadata.image_name, 'cirros');
      assert.equal(h.driver.volumes.get(fromImage.id)?.data.toString(), 'IMAGE-BYTES');
      const big = h.images.add(Buffer.alloc(10), { min_disk: 5 });
      const small = await h.call('POST', '/v3/volumes', { volume: { size: 1, imageRef: big.id } });
      assert.match(fault(small).message, /Volume size 1GB cannot be smaller than the image minDisk size 5GB./);

      const snap = await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: fromImage.id, name: 's' } });
      assert.equal(snap.status, 202);
      await h.idle();
      const fromSnap = await h.volume({ snapshot_id: snap.body.snapshot.id, size: null });
      assert.equal(fromSnap.size, 1);
      assert.equal(fromSnap.snapshot_id, snap.body.snapshot.id);
      assert.equal(h.driver.volumes.get(fromSnap.id)?.data.toString(), 'IMAGE-BYTES');
      const clone = await h.volume({ source_volid: fromImage.id, size: 3 });
      assert.equal(clone.source_volid, fromImage.id);
      assert.equal(clone.bootable, 'true');
      const tooSmall = await h.call('POST', '/v3/volumes', { volume: { source_volid: clone.id, size: 2 } });
      assert.match(fault(tooSmall).message, /cannot be smaller than original volume size {2}3GB/);
    });

    it('a driver failure leaves the volume in error; update, metadata subresource', async (t) => {
      if (skip) return t.skip(skip);
      h.driver.fail.add('createVolume');
      const r = await h.call('POST', '/v3/volumes', { volume: { size: 1 } });
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${r.body.volume.id}`)).body.volume.status, 'error');
      const v = await h.volume({ name: 'old' });
      const upd = await h.call('PUT', `/v3/volumes/${v.id}`, { volume: { name: 'new', description: 'x' } });
      assert.equal(upd.status, 200);
      assert.equal(upd.body.volume.name, 'new');
      assert.equal((await h.call('PUT', `/v3/volumes/${v.id}`, { volume: {} })).status, 400);
      assert.deepEqual((await h.call('GET', `/v3/volumes/${v.id}/encryption`)).body, { encryption_key_id: null });
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}/encryption`, undefined, BOB)).status, 404);
      assert.deepEqual((await h.call('POST', `/v3/volumes/${v.id}/metadata`, { metadata: { k1: 'v1' } })).body, { metadata: { k1: 'v1' } });
      assert.deepEqual((await h.call('POST', `/v3/volumes/${v.id}/metadata`, { metadata: { k2: 'v2' } })).body.metadata, { k1: 'v1', k2: 'v2' });
      assert.deepEqual((await h.call('GET', `/v3/volumes/${v.id}/metadata/k2`)).body, { meta: { k2: 'v2' } });
      assert.deepEqual((await h.call('PUT', `/v3/volumes/${v.id}/metadata/k2`, { meta: { k2: 'v3' } })).body, { meta: { k2: 'v3' } });
      assert.equal((await h.call('PUT', `/v3/volumes/${v.id}/metadata/k2`, { meta: { other: 'v3' } })).status, 400);
      assert.equal((await h.call('DELETE', `/v3/volumes/${v.id}/metadata/k1`)).status, 200);
      const gone = await h.call('GET', `/v3/volumes/${v.id}/metadata/k1`);
      assert.equal(gone.status, 404);
      assert.equal(fault(gone).message, `Volume ${v.id} has no metadata with key k1.`);
      assert.deepEqual((await h.call('PUT', `/v3/volumes/${v.id}/metadata`, { metadata: { only: '1' } })).body.metadata, { only: '1' });
      const byMeta = async (q: string) => (await h.call('GET', `/v3/volumes?metadata=${encodeURIComponent(q)}`)).body.volumes.map((x: { id: string }) => x.id);
      assert.deepEqual(await byMeta('{"only": "1"}'), [v.id]);
      assert.deepEqual(await byMeta("{'only': '1'}"), [v.id]);
      assert.deepEqual(await byMeta('{"only": "2"}'), []);
    });

    it('filters, sort, limit/marker with a next link, with_count at 3.45, invalid filters', async (t) => {
      if (skip) return t.skip(skip);
      for (const n of ['f-a', 'f-b', 'f-c']) await h.volume({ name: n }, BOB);
      const byName = await h.call('GET', '/v3/volumes?name=f-b', undefined, BOB);
      assert.deepEqual(
        byName.body.volumes.map((v: { name: string }) => v.name),
        ['f-b'],
      );
      const like = await h.call('GET', '/v3/volumes?name~=f-', undefined, BOB, '3.34');
      assert.equal(like.body.volumes.length, 3);
      const sorted = await h.call('GET', '/v3/volumes?sort=name:asc', undefined, BOB);
      assert.deepEqual(
        sorted.body.volumes.map((v: { name: string }) => v.name),
        ['f-a', 'f-b', 'f-c'],
      );
      const page = await h.call('GET', '/v3/volumes?sort=name:asc&limit=2', undefined, BOB);
      assert.equal(page.body.volumes.length, 2);
      const next = new URL(page.body.volumes_links[0].href);
      assert.equal(next.searchParams.get('marker'), page.body.volumes[1].id);
      const rest = await h.call('GET', `/v3/volumes?${next.searchParams}`, undefined, BOB);
      assert.deepEqual(
        rest.body.volumes.map((v: { name: string }) => v.name),
        ['f-c'],
      );
      assert.equal((await h.call('GET', '/v3/volumes?with_count=true', undefined, BOB, '3.45')).body.count, 3);
      assert.equal((await h.call('GET', '/v3/volumes?with_count=true', undefined, BOB)).body.count, undefined);
      assert.deepEqual((await h.call('GET', '/v3/volumes/summary', undefined, BOB, '3.36')).body, { 'volume-summary': { total_count: 3, total_size: 3, metadata: {} } });
      assert.equal((await h.call('GET', '/v3/volumes/summary', undefined, BOB, '3.11')).status, 404);
      const bad = await h.call('GET', '/v3/volumes?bogus=1', undefined, BOB);
      assert.equal(bad.status, 400);
      assert.equal(fault(bad).message, 'Invalid filters bogus are found in query options.');
      assert.equal((await h.call('GET', '/v3/volumes?limit=-1', undefined, BOB)).status, 400);
      assert.equal((await h.call('GET', '/v3/volumes?marker=nope', undefined, BOB)).status, 404);
      assert.equal((await h.call('GET', '/v3/volumes?sort=bogus', undefined, BOB)).status, 400);
    });

    it("delete: 202 then gone from the driver; Cinder's 400 for in-use, snapshots, wrong status; cascade", async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume();
      assert.equal((await h.call('DELETE', `/v3/volumes/${v.id}`)).status, 202);
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).status, 404);
      assert.ok(!h.driver.volumes.has(v.id));
      const withSnap = await h.volume();
      await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: withSnap.id } });
      await h.idle();
      const refused = await h.call('DELETE', `/v3/volumes/${withSnap.id}`);
      assert.equal(refused.status, 400);
      assert.equal(
        fault(refused).message,
        'Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer.',
      );
      assert.equal((await h.call('DELETE', `/v3/volumes/${withSnap.id}?cascade=true`)).status, 202);
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${withSnap.id}`)).status, 404);
      assert.equal((await h.call('GET', `/v3/snapshots?volume_id=${withSnap.id}`)).body.snapshots.length, 0);
    });

    it('actions: extend (available; in-use from 3.42), set_bootable, readonly, reset_status (admin), unknown action', async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume();
      const same = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 1 } });
      assert.equal(fault(same).message, 'Invalid input received: New size for extend must be greater than current size. (current: 1, extended: 1).');
      assert.equal((await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 3 } })).status, 202);
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.size, 3);
      assert.equal(h.driver.volumes.get(v.id)?.sizeGb, 3);
      assert.equal((await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-set_bootable': { bootable: true } })).status, 200);
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.bootable, 'true');
      assert.equal((await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-update_readonly_flag': { readonly: true } })).status, 202);
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.metadata.readonly, 'True');
      const denied = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'error' } });
      assert.equal(denied.status, 403);
      assert.equal(fault(denied).message, "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.");
      assert.equal((await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'in-use' } }, ADMIN)).status, 202);
      const inUse = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 4 } });
      assert.equal(fault(inUse).message, `Invalid volume: Volume ${v.id} status must be '{'status': 'available'}' to extend, currently in-use.`);
      assert.equal((await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 4 } }, ALICE, '3.42')).status, 202);
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'in-use');
      // A driver's refusal leaves the volume as it was; a failure leaves it error_extending.
      h.driver.refuse.add('extendVolume');
      await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 5 } }, ALICE, '3.42');
      await h.idle();
      assert.deepEqual([(await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, (await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.size], ['in-use', 4]);
      h.driver.fail.add('extendVolume');
      await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-extend': { new_size: 5 } }, ALICE, '3.42');
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'error_extending');
      const none = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-bogus': null });
      assert.equal(fault(none).message, 'There is no such action: os-bogus');
    });

    it('upload to an image: uploading, then the bytes in the image service and the volume available again', async (t) => {
      if (skip) return t.skip(skip);
      const image = h.images.add(Buffer.from('DISK'));
      const v = await h.volume({ imageRef: image.id });
      const r = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-volume_upload_image': { image_name: 'snap-img', disk_format: 'raw' } }, ALICE, '3.1');
      assert.equal(r.status, 202);
      const up = r.body['os-volume_upload_image'];
      assert.equal(up.status, 'uploading');
      assert.equal(up.image_name, 'snap-img');
      assert.equal(up.visibility, 'private');
      await h.idle();
      assert.equal(h.images.images.get(up.image_id)?.data?.toString(), 'DISK');
      assert.equal(h.images.images.get(up.image_id)?.info.status, 'active');
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'available');
      const badFormat = await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-volume_upload_image': { image_name: 'x', disk_format: 'iso' } });
      assert.equal(badFormat.status, 400);
    });

    it('attachments (3.27+): reserve, update with a connector (NBD connection_info), complete (3.44), delete', async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume();
      const server = '11111111-2222-3333-4444-555555555555';
      assert.equal((await h.call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: server } })).status, 404);
      const c = await h.call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: server } }, ALICE, '3.44');
      assert.equal(c.status, 200);
      assert.equal(c.body.attachment.status, 'reserved');
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'reserved');
      const again = await h.call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: 'other' } }, ALICE, '3.44');
      assert.equal(again.status, 400);
      assert.equal(fault(again).message, `Invalid volume: Volume ${v.id} status must be available or downloading to reserve, but the current status is reserved.`);
      const id = c.body.attachment.id;
      const u = await h.call('PUT', `/v3/attachments/${id}`, { attachment: { connector: { host: 'cmp1', ip: '10.0.0.5', mountpoint: '/dev/vdb' } } }, ALICE, '3.44');
      assert.equal(u.status, 200);
      assert.equal(u.body.attachment.connection_info.driver_volume_type, 'nbd');
      assert.equal(u.body.attachment.connection_info.data.volume_id, v.id);
      assert.equal(u.body.attachment.status, 'attaching');
      assert.ok(h.driver.exports.has(id));
      assert.equal((await h.call('POST', `/v3/attachments/${id}/action`, { 'os-complete': null }, ALICE, '3.44')).status, 204);
      const shown = (await h.call('GET', `/v3/volumes/${v.id}`)).body.volume;
      assert.equal(shown.status, 'in-use');
      assert.equal(shown.metadata.attached_mode, 'rw');
      assert.deepEqual(
        shown.attachments.map((a: { server_id: string; attachment_id: string; device: string }) => [a.server_id, a.attachment_id, a.device]),
        [[server, id, '/dev/vdb']],
      );
      const del = await h.call('DELETE', `/v3/volumes/${v.id}`);
      assert.equal(del.status, 400);
      assert.match(fault(del).message, /must not be migrating, attached/);
      const list = await h.call('GET', `/v3/attachments?volume_id=${v.id}`, undefined, ALICE, '3.44');
      assert.deepEqual(list.body.attachments, [{ id, status: 'attached', instance: server, volume_id: v.id }]);
      assert.equal((await h.call('GET', '/v3/attachments/detail', undefined, ALICE, '3.44')).body.attachments[0].attach_mode, 'rw');
      assert.equal((await h.call('GET', `/v3/attachments/${id}`, undefined, BOB, '3.44')).status, 404);
      const gone = await h.call('DELETE', `/v3/attachments/${id}`, undefined, ALICE, '3.44');
      assert.deepEqual(gone.body, { attachments: [] });
      assert.ok(!h.driver.exports.has(id));
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'available');
      const missing = await h.call('GET', `/v3/attachments/${id}`, undefined, ALICE, '3.44');
      assert.equal(fault(missing).message, `Volume attachment could not be found with filter: attachment_id = ${id}.`);
      await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'error' } }, ADMIN);
      const onError = await h.call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: server } }, ALICE, '3.44');
      assert.match(fault(onError).message, /Volume attachments can not be created if the volume is in an error state/);
    });

    it('the legacy attach flow: reserve, initialize_connection, attach, begin_detaching, roll_detaching, detach, terminate_connection', async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume();
      const act = (body: unknown) => h.call('POST', `/v3/volumes/${v.id}/action`, body);
      assert.equal((await act({ 'os-reserve': null })).status, 202);
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'attaching');
      assert.equal(fault(await act({ 'os-reserve': null })).message, 'Invalid volume: Volume status must be available to reserve, but the status is attaching.');
      const conn = await act({ 'os-initialize_connection': { connector: { host: 'cmp1', ip: '10.0.0.5' } } });
      assert.equal(conn.body.connection_info.driver_volume_type, 'nbd');
      assert.equal((await act({ 'os-attach': { instance_uuid: 'srv', mountpoint: '/dev/vdc' } })).status, 202);
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'in-use');
      assert.equal((await act({ 'os-begin_detaching': null })).status, 202);
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'detaching');
      await act({ 'os-roll_detaching': null });
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'in-use');
      assert.equal((await act({ 'os-detach': {} })).status, 202);
      assert.equal((await act({ 'os-terminate_connection': { connector: { host: 'cmp1' } } })).status, 202);
      const after = (await h.call('GET', `/v3/volumes/${v.id}`)).body.volume;
      assert.equal(after.status, 'available');
      assert.deepEqual(after.attachments, []);
      assert.equal(
        fault(await act({ 'os-begin_detaching': null })).message,
        "Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.",
      );
    });

    it('snapshots: create (in-use only with force), show, list/detail, update, metadata, delete', async (t) => {
      if (skip) return t.skip(skip);
      const v = await h.volume();
      const s = await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: v.id, name: 'snap', metadata: { x: 'y' } } });
      assert.equal(s.status, 202);
      assert.equal(s.body.snapshot.status, 'creating');
      await h.idle();
      const id = s.body.snapshot.id;
      const shown = await h.call('GET', `/v3/snapshots/${id}`, undefined, ALICE, '3.41');
      assert.equal(shown.body.snapshot.status, 'available');
      assert.equal(shown.body.snapshot.size, 1);
      assert.equal(shown.body.snapshot.user_id, 'alice');
      assert.ok((await h.call('GET', '/v3/snapshots/detail')).body.snapshots.some((x: { id: string }) => x.id === id));
      assert.equal((await h.call('GET', `/v3/snapshots/${id}`, undefined, BOB)).status, 404);
      assert.equal(fault(await h.call('GET', `/v3/snapshots/${id}`, undefined, BOB)).message, `Snapshot ${id} could not be found.`);
      assert.equal((await h.call('PUT', `/v3/snapshots/${id}`, { snapshot: { name: 'renamed' } })).body.snapshot.name, 'renamed');
      assert.deepEqual((await h.call('POST', `/v3/snapshots/${id}/metadata`, { metadata: { z: '1' } })).body.metadata, { x: 'y', z: '1' });
      await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'in-use' } }, ADMIN);
      const inUse = await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: v.id } });
      assert.equal(fault(inUse).message, `Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`);
      assert.equal((await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: v.id, force: true } })).status, 202);
      await h.idle();
      assert.equal((await h.call('DELETE', `/v3/snapshots/${id}`)).status, 202);
      await h.idle();
      assert.equal((await h.call('GET', `/v3/snapshots/${id}`)).status, 404);
      assert.ok(!h.driver.snapshots.has(id));
    });

    it('types: __DEFAULT__, admin create/update/delete, extra specs, in-use type refused', async (t) => {
      if (skip) return t.skip(skip);
      const list = await h.call('GET', '/v3/types');
      assert.deepEqual(
        list.body.volume_types.map((t: { name: string }) => t.name),
        ['__DEFAULT__'],
      );
      assert.equal((await h.call('GET', '/v3/types/default')).body.volume_type.name, '__DEFAULT__');
      assert.equal((await h.call('POST', '/v3/types', { volume_type: { name: 'fast' } })).status, 403);
      const made = await h.call('POST', '/v3/types', { volume_type: { name: 'fast', extra_specs: { volume_backend_name: 'file' } } }, ADMIN);
      assert.equal(made.status, 200);
      assert.equal((await h.call('POST', '/v3/types', { volume_type: { name: 'fast' } }, ADMIN)).status, 409);
      const id = made.body.volume_type.id;
      assert.deepEqual((await h.call('GET', `/v3/types/${id}/extra_specs`)).body, { extra_specs: { volume_backend_name: 'file' } });
      await h.call('POST', `/v3/types/${id}/extra_specs`, { extra_specs: { k: 'v' } }, ADMIN);
      assert.deepEqual((await h.call('GET', `/v3/types/${id}/extra_specs/k`)).body, { k: 'v' });
      assert.equal((await h.call('DELETE', `/v3/types/${id}/extra_specs/k`, undefined, ADMIN)).status, 202);
      assert.equal((await h.call('PUT', `/v3/types/${id}`, { volume_type: { description: 'quick' } }, ADMIN)).body.volume_type.description, 'quick');
      const v = await h.volume({ volume_type: 'fast' });
      assert.equal(v.volume_type, 'fast');
      assert.equal(fault(await h.call('DELETE', `/v3/types/${id}`, undefined, ADMIN)).message, 'Target volume type is still in use.');
      const def = (await h.call('GET', '/v3/types/default')).body.volume_type.id;
      assert.match(fault(await h.call('DELETE', `/v3/types/${def}`, undefined, ADMIN)).message, /is a default volume type and cannot be deleted/);
      await h.call('DELETE', `/v3/volumes/${v.id}`);
      await h.idle();
      assert.equal((await h.call('DELETE', `/v3/types/${id}`, undefined, ADMIN)).status, 202);

      // A private type: only admins and the projects it is shared with see it.
      const priv = (await h.call('POST', '/v3/types', { volume_type: { name: 'gold', 'os-volume-type-access:is_public': false } }, ADMIN)).body.volume_type;
      assert.equal(priv.is_public, false);
      assert.equal((await h.call('GET', `/v3/types/${priv.id}`)).status, 404);
      assert.equal((await h.call('POST', '/v3/volumes', { volume: { size: 1, volume_type: 'gold' } })).status, 404);
      const share = (project: string, action = 'addProjectAccess') => h.call('POST', `/v3/types/${priv.id}/action`, { [action]: { project } }, ADMIN);
      assert.equal((await share('projA')).status, 202);
      assert.equal((await share('projA')).status, 409);
      assert.equal((await h.call('POST', `/v3/types/${priv.id}/action`, { addProjectAccess: { project: 'projB' } })).status, 403);
      assert.deepEqual((await h.call('GET', `/v3/types/${priv.id}/os-volume-type-access`, undefined, ADMIN)).body, {
        volume_type_access: [{ volume_type_id: priv.id, project_id: 'projA' }],
      });
      assert.ok((await h.call('GET', '/v3/types')).body.volume_types.some((x: { name: string }) => x.name === 'gold'));
      assert.ok(!(await h.call('GET', '/v3/types', undefined, BOB)).body.volume_types.some((x: { name: string }) => x.name === 'gold'));
      const gold = await h.volume({ volume_type: 'gold' });
      assert.equal(gold.volume_type, 'gold');
      assert.equal((await share('projA', 'removeProjectAccess')).status, 202);
      assert.equal((await share('projA', 'removeProjectAccess')).status, 404);
      assert.equal((await h.call('GET', `/v3/types/${priv.id}`)).status, 404);
      assert.equal(fault(await h.call('GET', `/v3/types/${id}`)).message, `Volume type ${id} could not be found.`);
    });

    it('quotas: show (usage), defaults, admin update/delete, 413 over quota; limits', async (t) => {
      if (skip) return t.skip(skip);
      const carol = 'carol:projC';
      await h.volume({ size: 2 }, carol);
      const q = await h.call('GET', '/v3/os-quota-sets/projC?usage=true', undefined, carol);
      assert.deepEqual(q.body.quota_set.volumes, { limit: 10, in_use: 1, reserved: 0, allocated: 0 });
      assert.deepEqual(q.body.quota_set.gigabytes, { limit: 1000, in_use: 2, reserved: 0, allocated: 0 });
      assert.equal(q.body.quota_set.volumes___DEFAULT__.limit, -1);
      assert.equal((await h.call('GET', '/v3/os-quota-sets/projC/defaults', undefined, carol)).body.quota_set.snapshots, 10);
      assert.equal((await h.call('GET', '/v3/os-quota-sets/projA', undefined, carol)).status, 403);
      assert.equal((await h.call('PUT', '/v3/os-quota-sets/projC', { quota_set: { volumes: 1 } }, carol)).status, 403);
      assert.equal((await h.call('PUT', '/v3/os-quota-sets/projC', { quota_set: { bogus: 1 } }, ADMIN)).status, 400);
      assert.equal((await h.call('PUT', '/v3/os-quota-sets/projC', { quota_set: { gigabytes: 1 } }, ADMIN)).status, 400);
      assert.equal((await h.call('PUT', '/v3/os-quota-sets/projC', { quota_set: { volumes: 1 } }, ADMIN)).body.quota_set.volumes, 1);
      const over = await h.call('POST', '/v3/volumes', { volume: { size: 1 } }, carol);
      assert.equal(over.status, 413);
      assert.deepEqual(fault(over), { name: 'overLimit', code: 413, message: "Maximum number of volumes allowed (1) exceeded for quota 'volumes'." });
      assert.equal(over.headers['retry-after'], '0');
      await h.call('PUT', '/v3/os-quota-sets/projC', { quota_set: { volumes: 5, gigabytes: 3 } }, ADMIN);
      const gb = await h.call('POST', '/v3/volumes', { volume: { size: 2 } }, carol);
      assert.equal(fault(gb).message, 'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.');
      const [first] = (await h.call('GET', '/v3/volumes', undefined, carol)).body.volumes;
      const ext = await h.call('POST', `/v3/volumes/${first.id}/action`, { 'os-extend': { new_size: 4 } }, carol);
      assert.equal(fault(ext).message, 'Requested volume or snapshot exceeds allowed gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed.');
      assert.equal((await h.call('POST', `/v3/volumes/${first.id}/action`, { 'os-extend': { new_size: 3 } }, carol)).status, 202);
      await h.idle();
      const limits = await h.call('GET', '/v3/limits', undefined, carol);
      assert.equal(limits.body.limits.absolute.maxTotalVolumes, 5);
      assert.equal(limits.body.limits.absolute.totalGigabytesUsed, 3);
      assert.equal((await h.call('DELETE', '/v3/os-quota-sets/projC', undefined, ADMIN)).status, 200);
      assert.equal((await h.call('GET', '/v3/os-quota-sets/projC', undefined, carol)).body.quota_set.volumes, 10);
    });

    it('availability zones, services and pools (admin)', async (t) => {
      if (skip) return t.skip(skip);
      assert.deepEqual((await h.call('GET', '/v3/os-availability-zone')).body, { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true } }] });
      assert.equal((await h.call('GET', '/v3/os-services')).status, 403);
      const svcs = await h.call('GET', '/v3/os-services', undefined, ADMIN);
      assert.deepEqual(
        svcs.body.services.map((s: { binary: string; host: string; state: string }) => [s.binary, s.host, s.state]),
        [
          ['cinder-scheduler', 'vhost', 'up'],
          ['cinder-volume', 'vhost@file', 'up'],
        ],
      );
      const pools = await h.call('GET', '/v3/scheduler-stats/get_pools?detail=true', undefined, ADMIN);
      assert.equal(pools.body.pools[0].name, 'vhost@file#file');
      assert.equal(pools.body.pools[0].capabilities.total_capacity_gb, 100);
    });

    it('a restart leaves nothing creating or deleting: creating → error, deleting finished', async (t) => {
      if (skip) return t.skip(skip);
      let release: () => void = () => {};
      h.driver.hold = new Promise<void>((r) => {
        release = r;
      });
      const stuck = await h.call('POST', '/v3/volumes', { volume: { size: 1 } });
      assert.equal((await h.call('GET', `/v3/volumes/${stuck.body.volume.id}`)).body.volume.status, 'creating');
      release();
      h.driver.hold = null;
      await h.idle();
      const v = await h.volume();
      // A previous run stopped with the volume deleting and another creating (the rows as it left them).
      await h.api.store.update('volumes', v.id, { status: 'deleting' });
      await h.api.store.update('volumes', stuck.body.volume.id, { status: 'creating' });
      await h.restart();
      await h.idle();
      assert.equal((await h.call('GET', `/v3/volumes/${stuck.body.volume.id}`)).body.volume.status, 'error');
      assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).status, 404);
      assert.ok(!h.driver.volumes.has(v.id));
    });
  });
}
