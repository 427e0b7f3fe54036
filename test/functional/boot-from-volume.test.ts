import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { ALICE, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * block_device_mapping_v2 on server create with the volume service beside
 * the cloud: boot from an existing bootable volume (no imageRef; the root
 * volume at /dev/vda, in-use; its detach refused; available again after the
 * delete), an image to a new volume (made by nova-compute through the
 * volume service and waited for; deleted with the server:
 * delete_on_termination), and Nova's validation errors.
 */
describe('boot from volume (fake driver, nova-volume beside)', () => {
  let vol: VolumeHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';

  before(async () => {
    vol = await startVolumeApi();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    cloud = await startCloud({ computes: ['bfv1'], overrides: { cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` } } });
    alice = new ApiClient(cloud.url, ALICE, '2.79');
  });
  after(async () => {
    await cloud?.stop();
    await vol?.close();
  });

  const volume = async (id: string): Promise<Json | null> => {
    const r = await vol.call('GET', `/v3/volumes/${id}`);
    return r.status === 404 ? null : (r.body.volume as Json);
  };
  const status = (id: string, want: string) => until(async () => (await volume(id))?.status === want, 15_000, `volume ${id} ${want}`, 50);
  const boot = (bdms: Json[], extra: Json = {}) =>
    alice.post<Json>('/servers', { server: { name: 'bfv', flavorRef: '1', networks: 'none', block_device_mapping_v2: bdms, ...extra } });
  const message = (b: Json): string => String((Object.values(b)[0] as Json | undefined)?.message);
  const bootable = async () => {
    const v = await vol.volume({ name: 'root' });
    const r = await vol.call('POST', `/v3/volumes/${v.id}/action`, { 'os-set_bootable': { bootable: true } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return v;
  };

  it('boots from an existing volume: no imageRef, the root volume in-use at /dev/vda, its detach refused, available after the delete', async () => {
    const v = await bootable();
    const r = await boot([{ source_type: 'volume', destination_type: 'volume', uuid: v.id, boot_index: 0 }]);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    const s = await alice.waitFor(id, ['ACTIVE']);
    assert.equal(s.image, '');
    assert.deepEqual(s['os-extended-volumes:volumes_attached'], [{ id: v.id, delete_on_termination: false }]);
    await status(v.id, 'in-use');
    assert.deepEqual(
      (hypervisorOf('bfv1', null).guests.get(id)?.disks ?? []).map((d) => [d.volume_id, d.mount_device]),
      [[v.id, '/dev/vda']],
    );
    const detach = await alice.delete(`/servers/${id}/os-volume_attachments/${v.id}`);
    assert.equal(detach.status, 400);
    assert.equal(message(detach.body), 'Cannot detach a root device volume');
    // In use: another boot from it is refused.
    const again = await boot([{ source_type: 'volume', destination_type: 'volume', uuid: v.id, boot_index: 0 }]);
    assert.equal(again.status, 400);
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
    await status(v.id, 'available');
  });

  it('boots from an image copied to a new volume (made and awaited by nova-compute), deleted with the server', async () => {
    const img = vol.images.add(Buffer.alloc(4096, 1), { name: 'cirros-raw' });
    const r = await boot([{ source_type: 'image', uuid: img.id, destination_type: 'volume', volume_size: 1, boot_index: 0, delete_on_termination: true }]);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    await alice.waitFor(id, ['ACTIVE']);
    const [bdm] = await cloud.db.blockDevices.listByInstance(id);
    assert.ok(bdm?.volume_id, 'the mapping has the new volume');
    const made = await volume(bdm.volume_id);
    assert.equal(made?.status, 'in-use');
    assert.equal(made?.size, 1);
    assert.equal(made?.bootable, 'true');
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
    await until(async () => (await volume(bdm.volume_id ?? '')) === null, 15_000, 'the new volume deleted', 50);
  });

  it('a boot whose spawn fails gives its volume back re-reserved (one attachment), and deleting the server that never ran frees it', async () => {
    const v = await bootable();
    const r = await boot([{ source_type: 'volume', destination_type: 'volume', uuid: v.id, boot_index: 0 }], { metadata: { fake_spawn_fail: 'true' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    await alice.waitFor(id, ['ERROR']);
    const now = await volume(v.id);
    assert.equal(now?.attachments.length ?? 0, 0, 'no attachment connected to a host');
    const atts = await vol.call('GET', `/v3/attachments?volume_id=${v.id}`, undefined, ALICE, '3.44');
    assert.equal((atts.body.attachments as Json[]).length, 1, JSON.stringify(atts.body));
    await alice.delete(`/servers/${id}`);
    await alice.waitGone(id);
    await status(v.id, 'available');
    assert.deepEqual(await cloud.db.blockDevices.listByInstance(id), []);
  });

  it("refuses as Nova's validation does", async () => {
    const plain = await vol.volume({ name: 'not-bootable' });
    const cases: [Json[], Json, string][] = [
      [[], {}, 'Missing imageRef attribute'],
      [[{ source_type: 'volume', destination_type: 'volume', uuid: missing, boot_index: 0 }], {}, `Block Device Mapping is Invalid: failed to get volume ${missing}.`],
      [[{ source_type: 'volume', destination_type: 'volume', uuid: plain.id, boot_index: 0 }], {}, `Block Device ${plain.id} is not bootable.`],
      [[{ source_type: 'volume', destination_type: 'volume', boot_index: 0 }], {}, 'Block Device Mapping is Invalid: Missing device UUID.'],
      [[{ source_type: 'image', uuid: missing, destination_type: 'volume', boot_index: 0 }], {}, "Images with destination_type 'volume' need to have a non-zero size specified"],
      [[{ source_type: 'blank', destination_type: 'volume', boot_index: 1 }], { imageRef: 'cirros' }, "Blank volumes (source: 'blank', dest: 'volume') need to have non-zero size"],
      [
        [{ source_type: 'blank', destination_type: 'volume', volume_size: 1, boot_index: 2 }],
        { imageRef: 'cirros' },
        'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.',
      ],
      [
        [{ source_type: 'image', uuid: missing, destination_type: 'local', boot_index: 1 }],
        { imageRef: 'cirros' },
        'Block Device Mapping is Invalid: Mapping image to local is not supported.',
      ],
    ];
    for (const [bdms, extra, want] of cases) {
      const r = await (bdms.length ? boot(bdms, extra) : alice.post<Json>('/servers', { server: { name: 'x', flavorRef: '1', networks: 'none' } }));
      assert.equal(r.status, 400, `${JSON.stringify(bdms)}: ${JSON.stringify(r.body)}`);
      assert.equal(message(r.body), want);
    }
    const bad = await boot([{ source_type: 'floppy', uuid: missing, boot_index: 0 }]);
    assert.equal(bad.status, 400);
    assert.equal((await volume(plain.id))?.status, 'available', 'nothing reserved by a refused boot');
  });
});
