import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FakeBlockDeviceCall, hypervisorOf } from '../../src/virt/fake/hypervisor.ts';
import { assertClaimsConsistent } from '../support/claims.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';
import { ADMIN, type Json, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

/**
 * Volumes follow server moves (issue 11), on three fake computes with the
 * volume service (nova-volume, in process, its in-memory test driver)
 * beside: after each live migration, cold migration, resize, rebuild,
 * shelve offload and unshelve, and evacuation, every volume of the server is
 * in-use by it with exactly one attachment — connected with the host's
 * connector, the one export of the volume, the one its mapping refers to —
 * and the fake driver on that host was given the volume with that
 * attachment's connection info (its block device info) and its guest has
 * the disk; after a revert or a rollback the same holds for the source. No
 * attachment or export is left behind. An offloaded server's volumes stay
 * reserved for it (one attachment without a connector, no export).
 */
describe('volumes follow server moves (fake driver, nova-volume beside)', () => {
  let vol: VolumeHarness;
  let glance: ImageHarness;
  let cloud: Cloud;
  let api: ApiClient;
  let imageRef = '';

  before(async () => {
    vol = await startVolumeApi();
    await vol.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (vol.app.server.address() as AddressInfo).port;
    glance = await startImageApi();
    cloud = await startCloud({
      computes: ['vm1', 'vm2', 'vm3'],
      overrides: {
        DEFAULT: { shelved_offload_time: '0', allow_resize_to_same_host: 'true' },
        fake: { memory_mb: '8192', vcpus: '16', local_gb: '200', live_migration_ms: '200' },
        glance: { api_servers: await glance.listen() },
        cinder: { endpoint_template: `http://127.0.0.1:${port}/v3/%(project_id)s` },
      },
    });
    api = new ApiClient(cloud.url, ADMIN, '2.80');
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }, ADMIN);
    imageRef = String(img.id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: ADMIN, body: Buffer.alloc(512, 1) });
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
    await vol?.close();
  });

  const act = (id: string, body: unknown) => api.post(`/servers/${id}/action`, body);
  const hostOf = (s: Json) => String(s['OS-EXT-SRV-ATTR:host']);
  const volume = async (id: string): Promise<Json> => (await vol.call('GET', `/v3/volumes/${id}`, undefined, ADMIN)).body.volume as Json;
  const attachments = async (id: string): Promise<Json[]> =>
    (await vol.call('GET', `/v3/attachments/detail?all_tenants=1&volume_id=${id}`, undefined, ADMIN, '3.44')).body.attachments as Json[];
  const exportsOf = (id: string) => [...vol.driver.exports].filter(([, e]) => e.volumeId === id).map(([att, e]) => [att, e.connector.host]);
  /** The memory driver's export name: the volume and the attachment it was made for. */
  const exportName = (volumeId: string, attachmentId: string) => `volume-${volumeId}-${attachmentId}`;
  async function settled(id: string, statuses: string[]): Promise<Json> {
    const s = await api.waitFor(id, statuses);
    await sleep(150); // the last bookkeeping casts after the state write
    return s;
  }
  async function migrationSettles(id: string, status: string): Promise<void> {
    await until(
      async () => {
        const r = await api.get<{ migrations: Json[] }>(`/os-migrations?instance_uuid=${id}`);
        return r.body.migrations[0]?.status === status;
      },
      15_000,
      `the latest migration of ${id} ${status}`,
      50,
    );
    await sleep(150);
  }
  const enabled = async (host: string, on: boolean) => {
    const r = await api.at('2.1').put(`/os-services/${on ? 'enable' : 'disable'}`, { host, binary: 'nova-compute' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  /**
   * Each of `volumes` is in-use by `server` through one attachment, connected to `host` (its one export), the mapping's;
   * the guest on `host` has it; `call` (when given) was given it with that attachment's connection info.
   */
  async function assertOn(server: string, volumes: readonly string[], host: string, call?: FakeBlockDeviceCall): Promise<void> {
    const ids: string[] = [];
    for (const v of volumes) {
      const atts = await attachments(v);
      assert.equal(atts.length, 1, `volume ${v} has one attachment: ${JSON.stringify(atts)}`);
      const att = atts[0] as Json;
      ids.push(String(att.id));
      assert.equal(att.instance, server);
      assert.equal(att.status, 'attached');
      const now = await volume(v);
      assert.equal(now.status, 'in-use', `volume ${v} in-use`);
      assert.deepEqual(
        (now.attachments as Json[]).map((a) => [a.server_id, a.host_name]),
        [[server, host]],
        `volume ${v} attached to the server on ${host}`,
      );
      assert.deepEqual(exportsOf(v), [[att.id, host]], `volume ${v}: one export, for ${host}'s attachment`);
      const bdm = await cloud.db.blockDevices.getByVolume(server, v);
      assert.equal(bdm.attachment_id, att.id, 'the mapping refers to the attachment');
      assert.equal(bdm.connection_info?.data.name, exportName(v, String(att.id)), "the mapping has the attachment's connection_info");
    }
    const disks = (hypervisorOf(host, null).guests.get(server)?.disks ?? []).map((d) => d.volume_id).sort();
    assert.deepEqual(disks, [...volumes].sort(), `the guest on ${host} has the volumes`);
    if (call) {
      const got = hypervisorOf(host, null).blockDevices.get(server)?.[call];
      assert.deepEqual(
        (got?.block_device_mapping ?? []).map((d) => [d.volume_id, d.connection_info.data.name]).sort(),
        volumes.map((v, i) => [v, exportName(v, ids[i] ?? '')]).sort(),
        `${call} on ${host} was given the volumes with ${host}'s connection info`,
      );
    }
    await assertClaimsConsistent(cloud.db, `${server} on ${host}`);
  }

  /** A server booted on `host` from the image with a data volume attached; its id and the volume's. */
  async function withVolume(name: string, host: string): Promise<{ id: string; data: string }> {
    const id = await api.boot(name, { networks: 'none', imageRef, availability_zone: `nova:${host}` });
    await api.waitFor(id, ['ACTIVE']);
    const v = await vol.volume({ name: `${name}-data` }, ADMIN);
    const r = await api.post(`/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: v.id } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await until(async () => (await volume(String(v.id))).status === 'in-use', 15_000, `volume ${v.id} in-use`, 50);
    await assertOn(id, [String(v.id)], host);
    return { id, data: String(v.id) };
  }

  const inject = (id: string, step: string) => api.post(`/servers/${id}/metadata`, { metadata: { fake_move_fail: step } });
  const clear = async (id: string) => assert.equal((await api.delete(`/servers/${id}/metadata/fake_move_fail`)).status, 204);

  it('live migration: the destination connects its own attachment, the source’s goes; a failed one rolls back to the source’s', async () => {
    const { id, data } = await withVolume('live', 'vm1');
    assert.equal((await act(id, { 'os-migrateLive': { host: 'vm2', block_migration: 'auto' } })).status, 202);
    await migrationSettles(id, 'completed');
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    await assertOn(id, [data], 'vm2', 'pre_live_migration');

    // The guest's move fails on the source after the destination prepared: the destination's attachment goes.
    await inject(id, 'live_migration');
    assert.equal((await act(id, { 'os-migrateLive': { host: 'vm3', block_migration: 'auto' } })).status, 202);
    await migrationSettles(id, 'error');
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    const prepared = hypervisorOf('vm3', null).blockDevices.get(id)?.pre_live_migration?.block_device_mapping ?? [];
    assert.deepEqual(
      prepared.map((d) => d.volume_id),
      [data],
      'the destination was given the volume',
    );
    await assertOn(id, [data], 'vm2');

    // The destination's driver fails to prepare: it gives back what it made.
    await inject(id, 'pre_live_migration');
    assert.equal((await act(id, { 'os-migrateLive': { host: 'vm3', block_migration: 'auto' } })).status, 202);
    await migrationSettles(id, 'error');
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    await assertOn(id, [data], 'vm2');
    await clear(id);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await until(async () => (await volume(data)).status === 'available', 15_000, 'the volume available after the delete', 50);
    assert.deepEqual(await attachments(data), []);
    assert.deepEqual(exportsOf(data), []);
  });

  it('cold migration and resize: the destination connects at finish_resize; confirm keeps it; revert connects the source again', async () => {
    const { id, data } = await withVolume('cold', 'vm1');
    assert.equal((await act(id, { migrate: { host: 'vm2' } })).status, 202);
    assert.equal(hostOf(await settled(id, ['VERIFY_RESIZE'])), 'vm2');
    await assertOn(id, [data], 'vm2', 'finish_migration');
    assert.equal((await act(id, { confirmResize: null })).status, 204);
    await settled(id, ['ACTIVE']);
    await assertOn(id, [data], 'vm2');

    assert.equal((await act(id, { migrate: { host: 'vm3' } })).status, 202);
    await settled(id, ['VERIFY_RESIZE']);
    await assertOn(id, [data], 'vm3', 'finish_migration');
    assert.equal((await act(id, { revertResize: null })).status, 202);
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    await assertOn(id, [data], 'vm2', 'finish_revert_migration');

    // finish_migration fails on the destination: the source gets its volume back.
    await inject(id, 'finish_migration');
    assert.equal((await act(id, { migrate: { host: 'vm1' } })).status, 202);
    await migrationSettles(id, 'error');
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    await assertOn(id, [data], 'vm2', 'finish_revert_migration');
    await clear(id);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('a resize on the same host connects the volume there again, reverted too', async () => {
    const { id, data } = await withVolume('same', 'vm3');
    await enabled('vm1', false);
    await enabled('vm2', false);
    try {
      assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
      assert.equal(hostOf(await settled(id, ['VERIFY_RESIZE'])), 'vm3');
      await assertOn(id, [data], 'vm3', 'finish_migration');
      assert.equal((await act(id, { revertResize: null })).status, 202);
      assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm3');
      await assertOn(id, [data], 'vm3', 'finish_revert_migration');
      assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
      await settled(id, ['VERIFY_RESIZE']);
      assert.equal((await act(id, { confirmResize: null })).status, 204);
      await settled(id, ['ACTIVE']);
      await assertOn(id, [data], 'vm3');
    } finally {
      await enabled('vm1', true);
      await enabled('vm2', true);
    }
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('rebuild on the same host keeps the volumes: the spawn is given them', async () => {
    const { id, data } = await withVolume('rebuilt', 'vm1');
    assert.equal((await act(id, { rebuild: { imageRef } })).status, 202);
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm1');
    await assertOn(id, [data], 'vm1', 'spawn');
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('shelve offload keeps the volume reserved for the server (no host has it); unshelve connects it where the server spawns', async () => {
    const { id, data } = await withVolume('shelved', 'vm2');
    assert.equal((await act(id, { shelve: null })).status, 202);
    await settled(id, ['SHELVED_OFFLOADED']);
    const atts = await attachments(data);
    assert.deepEqual(
      atts.map((a) => [a.instance, a.status]),
      [[id, 'reserved']],
      'one attachment, without a connector',
    );
    assert.equal((await volume(data)).status, 'reserved');
    assert.deepEqual(exportsOf(data), [], 'no host has the volume');
    assert.equal((await cloud.db.blockDevices.getByVolume(id, data)).attachment_id, atts[0]?.id);
    assert.equal(hypervisorOf('vm2', null).guests.has(id), false);

    assert.equal((await act(id, { unshelve: null })).status, 202);
    const s = await settled(id, ['ACTIVE']);
    await assertOn(id, [data], hostOf(s), 'spawn');
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await until(async () => (await volume(data)).status === 'available', 15_000, 'the volume available after the delete', 50);
  });

  it('a server booted from a volume live-migrates with it, and is evacuated with it from a host that is down', async () => {
    const root = await vol.volume({ name: 'root' }, ADMIN);
    assert.equal((await vol.call('POST', `/v3/volumes/${root.id}/action`, { 'os-set_bootable': { bootable: true } }, ADMIN)).status, 200);
    const r = await api.post<Json>('/servers', {
      server: {
        name: 'bfv',
        flavorRef: '1',
        networks: 'none',
        availability_zone: 'nova:vm1',
        block_device_mapping_v2: [{ source_type: 'volume', destination_type: 'volume', uuid: root.id, boot_index: 0 }],
      },
    });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = String(r.body.server.id);
    await settled(id, ['ACTIVE']);
    const rootId = String(root.id);
    await assertOn(id, [rootId], 'vm1', 'spawn');
    assert.equal((await act(id, { 'os-migrateLive': { host: 'vm2', block_migration: 'auto' } })).status, 202);
    await migrationSettles(id, 'completed');
    assert.equal(hostOf(await settled(id, ['ACTIVE'])), 'vm2');
    await assertOn(id, [rootId], 'vm2', 'pre_live_migration');
    assert.deepEqual(
      (hypervisorOf('vm2', null).guests.get(id)?.disks ?? []).map((d) => d.mount_device),
      ['/dev/vda'],
    );

    // A data volume too, then vm2 goes down and the server is evacuated.
    const data = await vol.volume({ name: 'bfv-data' }, ADMIN);
    assert.equal((await api.post(`/servers/${id}/os-volume_attachments`, { volumeAttachment: { volumeId: data.id } })).status, 200);
    await until(async () => (await volume(String(data.id))).status === 'in-use', 15_000, 'the data volume in-use', 50);
    await cloud.stopCompute('vm2');
    const deadline = Date.now() + 15_000;
    let e = await act(id, { evacuate: {} });
    while (e.status === 400 && Date.now() < deadline) {
      await sleep(250);
      e = await act(id, { evacuate: {} });
    }
    assert.equal(e.status, 200, JSON.stringify(e.body));
    const moved = await settled(id, ['ACTIVE']);
    assert.notEqual(hostOf(moved), 'vm2');
    await assertOn(id, [rootId, String(data.id)], hostOf(moved), 'spawn');
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    for (const v of [rootId, String(data.id)]) {
      await until(async () => (await volume(v)).status === 'available', 15_000, `volume ${v} available after the delete`, 50);
      assert.deepEqual(exportsOf(v), []);
    }
  });
});
