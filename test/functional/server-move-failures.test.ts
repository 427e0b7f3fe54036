import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertClaimsConsistent } from '../support/claims.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { until } from '../support/procs.ts';
import { createImage, type ImageHarness, startImageApi } from './image-harness.ts';

type Json = Record<string, unknown>;
interface Action {
  action: string;
  request_id: string;
  events?: { event: string; result: string | null; traceback?: string | null }[];
}

/**
 * Moves that fail half way, on three fake computes with the fake driver's
 * failure injection (instance metadata `fake_move_fail`, `fake_spawn_fail`
 * set after the boot): the server ends ACTIVE where it was or ERROR with a
 * fault, never in a task state, and after every step each host's claims are
 * what its instances and in-progress migrations hold. Also: the instance
 * actions and events of each move as Nova names them, and the automatic
 * confirmation after `[DEFAULT] resize_confirm_window`.
 */
describe('server moves that fail, their actions, the resize confirm window', () => {
  let glance: ImageHarness;
  let cloud: Cloud;
  let api: ApiClient;
  let imageRef = '';
  before(async () => {
    glance = await startImageApi();
    cloud = await startCloud({
      computes: ['c1', 'c2', 'c3'],
      overrides: {
        DEFAULT: { resize_confirm_window: '2', periodic_interval: '1', shelved_offload_time: '0' },
        fake: { memory_mb: '8192', vcpus: '16', local_gb: '200', live_migration_ms: '300' },
        glance: { api_servers: await glance.listen() },
      },
    });
    api = new ApiClient(cloud.url, 'admin:admin', '2.80');
    const img = await createImage(glance, { name: 'cirros', disk_format: 'qcow2', container_format: 'bare', visibility: 'public' }, 'admin:admin');
    imageRef = String(img.id);
    await glance.call('PUT', `/v2/images/${imageRef}/file`, { token: 'admin:admin', body: Buffer.alloc(512, 1) });
  });
  after(async () => {
    await cloud?.stop();
    await glance?.close();
  });

  const claims = (where: string) => assertClaimsConsistent(cloud.db, where);
  const act = (id: string, body: unknown, client = api) => client.post(`/servers/${id}/action`, body);
  const hostOf = (s: Json) => String(s['OS-EXT-SRV-ATTR:host']);
  async function boot(name: string): Promise<Json> {
    const id = await api.boot(name, { networks: 'none', imageRef });
    return api.waitFor(id, ['ACTIVE']);
  }
  const inject = (id: string, meta: Record<string, string>) => api.post(`/servers/${id}/metadata`, { metadata: meta });
  const migrations = async (id: string) => (await api.get<{ migrations: Json[] }>(`/os-migrations?instance_uuid=${id}`)).body.migrations;
  async function actions(id: string): Promise<Action[]> {
    const list = (await api.get<{ instanceActions: Action[] }>(`/servers/${id}/os-instance-actions`)).body.instanceActions;
    const out: Action[] = [];
    for (const a of list.reverse()) out.push((await api.get<{ instanceAction: Action }>(`/servers/${id}/os-instance-actions/${a.request_id}`)).body.instanceAction);
    return out;
  }
  const eventsOf = (all: Action[], action: string) =>
    all
      .filter((a) => a.action === action)
      .flatMap((a) => a.events ?? [])
      .map((e) => `${e.event}:${e.result}`)
      .sort();
  /** The latest fault (the API shows it only in ERROR). */
  async function fault(id: string): Promise<string> {
    return String((await cloud.db.history.latestFaults([id])).get(id)?.message ?? '');
  }
  async function settled(id: string, statuses: string[]): Promise<Json> {
    const s = await api.waitFor(id, statuses);
    await sleep(100); // the last bookkeeping casts after the state write
    return s;
  }

  it('rolls a resize back when the destination fails: ACTIVE on the source with its old flavor, a fault, the migration in error', async () => {
    const s = await boot('dest-fails');
    const id = String(s.id);
    await inject(id, { fake_move_fail: 'finish_migration' });
    assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
    const back = await settled(id, ['ACTIVE', 'ERROR']);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(hostOf(back), hostOf(s));
    assert.equal((back.flavor as Json).original_name, 'm1.tiny');
    assert.match(await fault(id), /injected finish_migration failure/);
    assert.deepEqual(
      (await migrations(id)).map((m) => m.status),
      ['error'],
    );
    assert.deepEqual(eventsOf(await actions(id), 'resize'), [
      'cold_migrate:Success',
      'compute_finish_resize:Error',
      'compute_finish_revert_resize:Success',
      'compute_prep_resize:Success',
      'compute_resize_instance:Success',
      'conductor_migrate_server:Success',
    ]);
    await claims('after a failed finish_resize');
    // The guest is back: the server can move again once the failure is gone.
    await api.delete(`/servers/${id}/metadata/fake_move_fail`);
    assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
    await settled(id, ['VERIFY_RESIZE']);
    await claims('resized after the failure');
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claims('deleted while resized');
  });

  it('rolls a cold migration back when the source fails to hand the disk over', async () => {
    const s = await boot('source-fails');
    const id = String(s.id);
    await inject(id, { fake_move_fail: 'migrate_disk_and_power_off' });
    assert.equal((await act(id, { migrate: null })).status, 202);
    const back = await settled(id, ['ACTIVE', 'ERROR']);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(hostOf(back), hostOf(s));
    assert.match(await fault(id), /injected migrate_disk_and_power_off failure/);
    assert.deepEqual(eventsOf(await actions(id), 'migrate'), [
      'cold_migrate:Success',
      'compute_prep_resize:Success',
      'compute_resize_instance:Error',
      'conductor_migrate_server:Success',
    ]);
    await claims('after a failed resize_instance');
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('keeps a live-migrating server on its source when the destination or the transfer fails', async () => {
    const s = await boot('live-fails');
    const id = String(s.id);
    for (const step of ['pre_live_migration', 'live_migration']) {
      await inject(id, { fake_move_fail: step });
      assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status, 202);
      await until(async () => (await migrations(id)).some((m) => m.status === 'error' && m.migration_type === 'live-migration'), 10_000, `${step} failed`, 50);
      const back = await settled(id, ['ACTIVE', 'ERROR']);
      assert.equal(back.status, 'ACTIVE', step);
      assert.equal(hostOf(back), hostOf(s), step);
      await claims(`after a failed ${step}`);
      await api.delete(`/servers/${id}/metadata/fake_move_fail`);
      await until(async () => (await migrations(id)).every((m) => m.status === 'error'), 5_000, 'both failed', 50);
    }
    assert.match(await fault(id), /injected live_migration failure/);
    // Then it goes through: completed, the events of a live migration.
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status, 202);
    await until(async () => (await migrations(id)).some((m) => m.status === 'completed'), 10_000, 'live migration completed', 50);
    const moved = await settled(id, ['ACTIVE']);
    assert.notEqual(hostOf(moved), hostOf(s));
    await claims('live migrated');
    const events = eventsOf(await actions(id), 'live-migration');
    for (const e of [
      'conductor_live_migrate_instance:Success',
      'compute_check_can_live_migrate_destination:Success',
      'compute_pre_live_migration:Success',
      'compute_live_migration:Success',
      'compute_post_live_migration_at_destination:Success',
    ]) {
      assert.ok(events.includes(e), `${e} in ${JSON.stringify(events)}`);
    }
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('evacuates, and on a failed evacuation leaves the server in ERROR with a fault, its claim on the source; evacuated again it goes', async () => {
    const s = await boot('evac-fails');
    const id = String(s.id);
    const source = hostOf(s);
    await inject(id, { fake_spawn_fail: 'true' });
    await cloud.stopCompute(source);
    let r = await act(id, { evacuate: {} });
    for (const deadline = Date.now() + 15_000; r.status === 400 && Date.now() < deadline; ) {
      await sleep(250);
      r = await act(id, { evacuate: {} });
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const failed = await settled(id, ['ERROR']);
    assert.equal(hostOf(failed), source, 'the failed evacuation leaves the server on its source');
    assert.match(await fault(id), /injected spawn failure/);
    assert.deepEqual(
      (await migrations(id)).map((m) => m.status),
      ['failed'],
    );
    await claims('after a failed evacuation');
    await api.delete(`/servers/${id}/metadata/fake_spawn_fail`);
    assert.equal((await act(id, { evacuate: {} })).status, 200);
    const moved = await settled(id, ['ACTIVE']);
    assert.notEqual(hostOf(moved), source);
    await claims('evacuated: the source keeps the claim until it comes back');
    assert.deepEqual(eventsOf(await actions(id), 'evacuate'), [
      'compute_rebuild_instance:Error',
      'compute_rebuild_instance:Success',
      'rebuild_server:Success',
      'rebuild_server:Success',
    ]);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claims('evacuated and deleted');
  });

  it('keeps a server offloaded when its unshelve fails on the host, with a fault; shelve and unshelve keep the claims right', async () => {
    const s = await boot('unshelve-fails');
    const id = String(s.id);
    assert.equal((await act(id, { shelve: null })).status, 202);
    await settled(id, ['SHELVED_OFFLOADED']);
    await claims('offloaded');
    await inject(id, { fake_spawn_fail: 'true' });
    assert.equal((await act(id, { unshelve: null })).status, 202);
    const still = await settled(id, ['SHELVED_OFFLOADED', 'ERROR']);
    assert.equal(still.status, 'SHELVED_OFFLOADED');
    assert.match(await fault(id), /injected spawn failure/);
    await claims('after a failed unshelve');
    await api.delete(`/servers/${id}/metadata/fake_spawn_fail`);
    assert.equal((await act(id, { unshelve: null })).status, 202);
    await settled(id, ['ACTIVE']);
    await claims('unshelved');
    const all = await actions(id);
    assert.deepEqual(
      all.map((a) => a.action),
      ['create', 'shelve', 'unshelve', 'unshelve'],
    );
    assert.ok(eventsOf(all, 'shelve').includes('compute_shelve_instance:Success'), JSON.stringify(eventsOf(all, 'shelve')));
    assert.ok(eventsOf(all, 'unshelve').includes('compute_unshelve_instance:Error'));
    assert.ok(eventsOf(all, 'unshelve').includes('compute_unshelve_instance:Success'));
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('confirms a resize by itself after resize_confirm_window, as a confirmResize action', async () => {
    const s = await boot('auto-confirm');
    const id = String(s.id);
    assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
    await settled(id, ['VERIFY_RESIZE']);
    await claims('waiting for confirmation');
    const at = Date.now();
    const done = await api.waitFor(id, ['ACTIVE'], 15_000);
    assert.ok(Date.now() - at >= 500, 'not confirmed at once');
    assert.equal((done.flavor as Json).original_name, 'm1.small');
    await until(async () => (await migrations(id)).every((m) => m.status === 'confirmed'), 5_000, 'migration confirmed', 50);
    await claims('confirmed by the periodic task');
    const all = await actions(id);
    assert.deepEqual(
      all.map((a) => a.action),
      ['create', 'resize', 'confirmResize'],
    );
    assert.deepEqual(eventsOf(all, 'confirmResize'), ['compute_confirm_resize:Success']);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });
});
