import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertClaimsConsistent } from '../support/claims.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

/**
 * Moving servers on the embedded defaults with three fake computes: resize
 * (confirm, revert, the confirm window), cold and live migration (progress,
 * force complete, abort), evacuate and rebuild, their errors where Nova
 * answers them, and the claims after every step: each host's use is the sum
 * of what is allocated on it, a settled instance holds exactly its flavor on
 * its own node, a finished migration holds nothing.
 */
describe('server moves (three fake computes)', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    cloud = await startCloud({
      computes: ['c1', 'c2', 'c3'],
      overrides: { fake: { memory_mb: '8192', vcpus: '16', local_gb: '200', live_migration_ms: '1500' } },
    });
    api = new ApiClient(cloud.url, 'admin:admin', '2.80');
  });
  after(() => cloud.stop());

  const boot = (name: string, extra: Record<string, unknown> = {}) => api.boot(name, { networks: 'none', ...extra });
  const member = () => api.as('alice:admin', '2.80');
  const act = (id: string, body: unknown, client = api) => client.post(`/servers/${id}/action`, body);
  const hostOf = (s: Record<string, unknown>) => String(s['OS-EXT-SRV-ATTR:host']);
  const message = (body: unknown) => Object.values(body as Record<string, { message: string }>)[0]?.message ?? '';

  /** The claims invariant (test/support/claims.ts): each host's use is what its instances and in-progress migrations hold. */
  const claimsConsistent = () => assertClaimsConsistent(cloud.db);

  async function migrationsOf(id: string): Promise<Record<string, unknown>[]> {
    const r = await api.get<{ migrations: Record<string, unknown>[] }>(`/os-migrations?instance_uuid=${id}`);
    assert.equal(r.status, 200);
    return r.body.migrations;
  }

  it('resizes to another host, shows VERIFY_RESIZE with both claims, then confirms', async () => {
    const id = await boot('resize-confirm');
    const before = await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { resize: { flavorRef: '2' } }, member())).status, 202);
    const resized = await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.notEqual(hostOf(resized), hostOf(before), 'a resize goes to another host unless allow_resize_to_same_host');
    assert.equal((resized.flavor as { original_name: string }).original_name, 'm1.small');
    const [m] = await migrationsOf(id);
    assert.equal(m?.status, 'finished');
    assert.equal(m?.migration_type, 'resize');
    assert.equal(m?.source_compute, hostOf(before));
    assert.equal(m?.dest_compute, hostOf(resized));
    // Two claims while it waits: the new flavor on the destination (the instance), the old on the source (the migration).
    const inst = await cloud.db.instances.get(id);
    assert.equal((await cloud.db.computeNodes.allocationsOf(id))[0]?.memory_mb, 2048);
    const mig = await cloud.db.migrations.getByUuid(String(m?.uuid));
    assert.equal((await cloud.db.computeNodes.allocationsOf(mig.uuid))[0]?.memory_mb, 512);
    assert.equal(inst.old_flavor?.name, 'm1.tiny');
    await claimsConsistent();

    const c = await act(id, { confirmResize: null }, member());
    assert.equal(c.status, 204, 'confirmResize answers 204 as Nova');
    const done = await api.waitFor(id, ['ACTIVE']);
    assert.equal(hostOf(done), hostOf(resized));
    assert.equal((await migrationsOf(id))[0]?.status, 'confirmed');
    await claimsConsistent();
    const actions = await api.get<{ instanceActions: { action: string }[] }>(`/servers/${id}/os-instance-actions`);
    assert.deepEqual(
      actions.body.instanceActions.map((a) => a.action),
      ['confirmResize', 'resize', 'create'],
    );
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claimsConsistent();
  });

  it('reverts a resize: back on the source with the old flavor, the destination released', async () => {
    const id = await boot('resize-revert');
    const before = await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
    await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.equal((await act(id, { revertResize: null })).status, 202);
    const back = await api.waitFor(id, ['ACTIVE']);
    assert.equal(hostOf(back), hostOf(before));
    assert.equal((back.flavor as { original_name: string }).original_name, 'm1.tiny');
    assert.equal((await migrationsOf(id))[0]?.status, 'reverted');
    await claimsConsistent();
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('keeps a stopped server stopped through a resize', async () => {
    const id = await boot('resize-stopped');
    await api.waitFor(id, ['ACTIVE']);
    await act(id, { 'os-stop': null });
    await api.waitFor(id, ['SHUTOFF']);
    assert.equal((await act(id, { resize: { flavorRef: '2' } })).status, 202);
    const r = await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.equal(r['OS-EXT-STS:power_state'], 4);
    assert.equal((await act(id, { confirmResize: null })).status, 204);
    await api.waitFor(id, ['SHUTOFF']);
    await claimsConsistent();
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it("answers a resize's errors as Nova does", async () => {
    const id = await boot('resize-errors');
    await api.waitFor(id, ['ACTIVE']);
    const same = await act(id, { resize: { flavorRef: '1' } });
    assert.equal(same.status, 400);
    assert.equal(message(same.body), 'When resizing, instances must change flavor!');
    const missing = await act(id, { resize: { flavorRef: 'nope' } });
    assert.equal(missing.status, 400);
    assert.equal(message(missing.body), 'Flavor nope could not be found.');
    assert.equal((await act(id, { resize: {} })).status, 400, 'flavorRef is required');
    assert.equal((await act(id, { resize: { flavorRef: '2', extra: 1 } })).status, 400);
    const notResized = await act(id, { confirmResize: null });
    assert.equal(notResized.status, 409);
    assert.equal(message(notResized.body), `Cannot 'confirmResize' instance ${id} while it is in vm_state active`);
    assert.equal((await act(id, { revertResize: null })).status, 409);
    assert.equal((await act('00000000-0000-0000-0000-000000000000', { resize: { flavorRef: '2' } })).status, 404);
    // Locked by an admin: the owner may not resize it.
    assert.equal((await act(id, { lock: null })).status, 202);
    const locked = await act(id, { resize: { flavorRef: '2' } }, member());
    assert.equal(locked.status, 409);
    assert.match(message(locked.body), /is locked/);
    await act(id, { unlock: null });
    const reader = await act(id, { resize: { flavorRef: '2' } }, api.as('reader-bob:admin', '2.80'));
    assert.equal(reader.status, 403);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claimsConsistent();
  });

  it('does not move a server when no host fits: ACTIVE where it was, the migration in error, nothing held', async () => {
    const id = await boot('resize-too-big');
    const before = await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { resize: { flavorRef: '5' } })).status, 202, 'accepted: the scheduler decides later');
    let m: Record<string, unknown> | undefined;
    for (let i = 0; i < 200 && m?.status !== 'error'; i++) {
      await sleep(50);
      [m] = await migrationsOf(id);
    }
    assert.equal(m?.status, 'error');
    const s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(hostOf(s), hostOf(before));
    assert.equal((s.flavor as { original_name: string }).original_name, 'm1.tiny');
    await claimsConsistent();
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('cold-migrates (admin only), to a named host from 2.56, and refuses the same or an unknown host', async () => {
    const id = await boot('migrate');
    const before = await api.waitFor(id, ['ACTIVE']);
    const forbidden = await act(id, { migrate: null }, member());
    assert.equal(forbidden.status, 403);
    assert.equal(message(forbidden.body), "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed.");
    const same = await act(id, { migrate: { host: hostOf(before) } });
    assert.equal(same.status, 400);
    assert.equal(message(same.body), 'Cannot migrate to the host where the server exists.');
    const unknown = await act(id, { migrate: { host: 'nowhere' } });
    assert.equal(unknown.status, 400);
    assert.equal(message(unknown.body), 'Compute host nowhere could not be found.');
    assert.equal((await act(id, { migrate: { host: 'c1', bogus: 1 } })).status, 400);
    const target = ['c1', 'c2', 'c3'].find((h) => h !== hostOf(before)) ?? '';
    assert.equal((await act(id, { migrate: { host: target } })).status, 202);
    const moved = await api.waitFor(id, ['VERIFY_RESIZE']);
    assert.equal(hostOf(moved), target);
    assert.equal((await migrationsOf(id))[0]?.migration_type, 'migration');
    assert.equal((await act(id, { confirmResize: null })).status, 204);
    await api.waitFor(id, ['ACTIVE']);
    await claimsConsistent();
    // Before 2.56 the body is not checked and no host can be named.
    assert.equal((await act(id, { migrate: { host: 'whatever' } }, api.at('2.55'))).status, 202);
    await api.waitFor(id, ['VERIFY_RESIZE']);
    await act(id, { confirmResize: null });
    await api.waitFor(id, ['ACTIVE']);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claimsConsistent();
  });

  it('live-migrates with progress in /servers/{id}/migrations, and completes when forced', async () => {
    const id = await boot('live');
    const before = await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status, 202);
    let running: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !running; i++) {
      const r = await api.get<{ migrations: Record<string, unknown>[] }>(`/servers/${id}/migrations`);
      assert.equal(r.status, 200);
      running = r.body.migrations.find((m) => m.status === 'running' && Number(m.memory_processed_bytes) > 0);
      if (!running) await sleep(50);
    }
    assert.ok(running, 'the migration is listed while it runs, with progress');
    assert.equal(running.server_uuid, id);
    assert.equal(running.memory_total_bytes, 512 * 1024 * 1024);
    assert.ok('uuid' in running && 'user_id' in running, 'uuid from 2.59, user_id/project_id from 2.80');
    const one = await api.get<{ migration: Record<string, unknown> }>(`/servers/${id}/migrations/${running.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.migration.id, running.id);
    assert.equal((await api.as('alice:admin', '2.80').get(`/servers/${id}/migrations`)).status, 403);
    assert.equal((await api.post(`/servers/${id}/migrations/${running.id}/action`, { force_complete: null })).status, 202);
    const moved = await api.waitFor(id, ['ACTIVE']);
    assert.notEqual(hostOf(moved), hostOf(before));
    const [m] = await migrationsOf(id);
    assert.equal(m?.status, 'completed');
    assert.equal((await api.get(`/servers/${id}/migrations/${m?.id}`)).status, 404, 'not in progress any more');
    assert.deepEqual((await api.get<{ migrations: unknown[] }>(`/servers/${id}/migrations`)).body.migrations, []);
    await claimsConsistent();
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('aborts a live migration: the server stays on its host, the migration cancelled', async () => {
    const id = await boot('live-abort');
    const before = await api.waitFor(id, ['ACTIVE']);
    const target = ['c1', 'c2', 'c3'].find((h) => h !== hostOf(before)) ?? '';
    assert.equal((await act(id, { 'os-migrateLive': { host: target, block_migration: false } })).status, 202);
    let mid: unknown;
    for (let i = 0; i < 100 && mid === undefined; i++) {
      const r = await api.get<{ migrations: Record<string, unknown>[] }>(`/servers/${id}/migrations`);
      mid = r.body.migrations.find((m) => m.status === 'running')?.id;
      if (mid === undefined) await sleep(20);
    }
    assert.ok(mid !== undefined);
    assert.equal((await api.delete(`/servers/${id}/migrations/${mid}`)).status, 202);
    const s = await api.waitFor(id, ['ACTIVE']);
    assert.equal(hostOf(s), hostOf(before));
    assert.equal((await migrationsOf(id))[0]?.status, 'cancelled');
    await claimsConsistent();
    const notMigrating = await api.delete(`/servers/${id}/migrations/${mid}`);
    assert.equal(notMigrating.status, 409);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it("answers os-migrateLive's errors per microversion", async () => {
    const id = await boot('live-errors');
    const s = await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { 'os-migrateLive': { host: null } })).status, 400, 'block_migration is required');
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, api.at('2.24'))).status, 400, "'auto' from 2.25");
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: false } }, api.at('2.24'))).status, 400, 'disk_over_commit before 2.25');
    const force = await act(id, { 'os-migrateLive': { host: null, block_migration: false, force: true } }, api.at('2.30'));
    assert.equal(force.status, 400);
    assert.equal(message(force.body), "Can't force to a non-provided destination");
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: false, force: false } }, api.at('2.68'))).status, 400, 'no force from 2.68');
    const self = await act(id, { 'os-migrateLive': { host: hostOf(s), block_migration: false } });
    assert.equal(self.status, 400);
    assert.equal(message(self.body), `Unable to migrate instance (${id}) to current host (${hostOf(s)}).`);
    assert.equal((await act(id, { 'os-migrateLive': { host: 'nowhere', block_migration: false } })).status, 400);
    assert.equal((await act(id, { 'os-migrateLive': { host: null, block_migration: false } }, member())).status, 403);
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('rebuilds from another image: REBUILD then ACTIVE, new name and metadata, the password in the answer', async () => {
    const id = await boot('rebuild-me', { metadata: { a: '1' } });
    await api.waitFor(id, ['ACTIVE']);
    const r = await act(id, { rebuild: { imageRef: 'other-image', name: 'rebuilt', metadata: { b: '2' }, adminPass: 'sekrit' } }, member().at('2.74'));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const server = (r.body as { server: Record<string, unknown> }).server;
    assert.equal(server.name, 'rebuilt');
    assert.equal(server.adminPass, 'sekrit');
    assert.deepEqual(server.metadata, { b: '2' });
    assert.equal(server.status, 'REBUILD');
    assert.ok(r.headers.get('location')?.endsWith(`/servers/${id}`));
    assert.equal('OS-EXT-STS:vm_state' in server, false, 'core attributes only before 2.75');
    const done = await api.waitFor(id, ['ACTIVE']);
    assert.equal((done.image as { id: string }).id, 'other-image');
    assert.equal((await act(id, { rebuild: { imageRef: 'x', key_name: 'nope' } }, api.at('2.54'))).status, 400);
    const at275 = await act(id, { rebuild: { imageRef: 'cirros', user_data: null } }, api.at('2.75'));
    assert.equal(at275.status, 202);
    const s275 = (at275.body as { server: Record<string, unknown> }).server;
    assert.ok('OS-EXT-STS:vm_state' in s275 && 'user_data' in s275, 'all attributes from 2.75, user_data from 2.57');
    await api.waitFor(id, ['ACTIVE']);
    assert.equal((await act(id, { rebuild: { name: 'no-image' } })).status, 400);
    await act(id, { 'os-stop': null });
    await api.waitFor(id, ['SHUTOFF']);
    assert.equal((await act(id, { rebuild: { imageRef: 'cirros' } })).status, 202);
    await sleep(100);
    await api.waitFor(id, ['SHUTOFF'], 10_000);
    await claimsConsistent();
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
  });

  it('evacuates from a host that is down (only then), with a new password before 2.14', async () => {
    const id = await boot('evacuee');
    const s = await api.waitFor(id, ['ACTIVE']);
    const source = hostOf(s);
    const up = await act(id, { evacuate: {} });
    assert.equal(up.status, 400);
    assert.equal(message(up.body), `Compute service of ${source} is still in use.`);
    assert.equal((await act(id, { evacuate: { host: 'nowhere' } })).status, 404);
    assert.equal((await act(id, { evacuate: {} }, member())).status, 403);
    assert.equal((await act(id, { evacuate: {} }, api.at('2.13'))).status, 400, 'onSharedStorage is required before 2.14');
    await cloud.stopCompute(source);
    // The service is down once its heartbeat is older than service_down_time (5 s here).
    const deadline = Date.now() + 15_000;
    let r = await act(id, { evacuate: { onSharedStorage: false } }, api.at('2.13'));
    while (r.status === 400 && Date.now() < deadline) {
      await sleep(250);
      r = await act(id, { evacuate: { onSharedStorage: false } }, api.at('2.13'));
    }
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof (r.body as { adminPass?: string }).adminPass, 'string');
    const moved = await api.waitFor(id, ['ACTIVE']);
    assert.notEqual(hostOf(moved), source);
    const [m] = await migrationsOf(id);
    assert.equal(m?.migration_type, 'evacuation');
    await claimsConsistent(); // the evacuation holds the dead source's claim until it comes back
    await api.delete(`/servers/${id}`);
    await api.waitGone(id);
    await claimsConsistent();
  });
});
