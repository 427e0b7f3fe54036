import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DbApi } from '../../src/db/api/index.ts';
import type { NewInstance } from '../../src/db/api/instances.ts';
import type { Db } from '../../src/db/connection.ts';
import { LATEST_SCHEMA_VERSION, schemaVersion, syncSchema } from '../../src/db/migrate.ts';
import { InstanceNotFound, UnexpectedTaskStateError } from '../../src/exception/instance.ts';
import { ClaimFailed, FlavorExists, KeyPairExists, ServiceNotFound } from '../../src/exception/resources.ts';
import type { ComputeNodeInventory } from '../../src/objects/compute-node.ts';

export interface DbHarness {
  db: Db;
  cleanup(): Promise<void>;
}

export function inventory(over: Partial<ComputeNodeInventory> = {}): ComputeNodeInventory {
  return {
    hypervisor_hostname: 'node1',
    hypervisor_type: 'fake',
    hypervisor_version: 1000,
    cpu_info: '{}',
    host_ip: '10.0.0.1',
    vcpus: 4,
    memory_mb: 4096,
    local_gb: 100,
    disk_available_least: 100,
    reserved_vcpus: 0,
    reserved_memory_mb: 512,
    reserved_disk_gb: 0,
    cpu_allocation_ratio: 1,
    ram_allocation_ratio: 1,
    disk_allocation_ratio: 1,
    current_workload: 0,
    ...over,
  };
}

export function newInstance(over: Partial<NewInstance> = {}): NewInstance {
  const flavor = {
    id: 1,
    flavorid: '1',
    name: 'm1.tiny',
    memory_mb: 512,
    vcpus: 1,
    root_gb: 1,
    ephemeral_gb: 0,
    swap: 0,
    rxtx_factor: 1,
    vcpu_weight: null,
    extra_specs: {},
    description: null,
  };
  return {
    uuid: randomUUID(),
    user_id: 'user',
    project_id: 'project',
    image_ref: 'img',
    kernel_id: '',
    ramdisk_id: '',
    hostname: 'vm',
    host: null,
    node: null,
    launch_index: 0,
    key_name: null,
    key_data: null,
    power_state: 0,
    vm_state: 'building',
    task_state: 'scheduling',
    memory_mb: 512,
    vcpus: 1,
    root_gb: 1,
    ephemeral_gb: 0,
    instance_type_id: 1,
    flavor,
    old_flavor: null,
    new_flavor: null,
    display_name: 'vm',
    display_description: null,
    availability_zone: null,
    locked: false,
    auto_disk_config: false,
    network_info: [],
    locked_by: null,
    locked_reason: null,
    reservation_id: 'r-1',
    launched_at: null,
    terminated_at: null,
    scheduled_at: null,
    user_data: null,
    config_drive: '',
    access_ip_v4: null,
    access_ip_v6: null,
    progress: 0,
    root_device_name: null,
    metadata: {},
    system_metadata: {},
    tags: [],
    ...over,
  };
}

/** The database contract, run on SQLite and on MariaDB. */
export function runDbSuite(name: string, setup: () => Promise<DbHarness | string>): void {
  describe(`database on ${name}`, () => {
    let h: DbHarness | null = null;
    let skip: string | undefined;
    let api: DbApi;
    before(async () => {
      const r = await setup();
      if (typeof r === 'string') skip = r;
      else {
        h = r;
        api = new DbApi(r.db);
      }
    });
    after(async () => h?.cleanup());

    it('migrates idempotently and reports the version', async (t) => {
      if (skip || !h) return t.skip(skip);
      assert.equal(await schemaVersion(h.db), 0);
      assert.equal(await syncSchema(h.db), LATEST_SCHEMA_VERSION);
      assert.equal(await syncSchema(h.db), LATEST_SCHEMA_VERSION);
      assert.equal(await schemaVersion(h.db), LATEST_SCHEMA_VERSION);
      const flavors = await api.flavors.list();
      assert.deepEqual(
        flavors.map((f) => f.name),
        ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large', 'm1.nano', 'm1.xlarge', 'm1.micro'],
      );
    });

    it('registers services once, heartbeats them, soft deletes them', async (t) => {
      if (skip || !h) return t.skip(skip);
      const values = { host: 'h1', binary: 'nova-compute', topic: 'compute', version: 1 };
      const [a, b] = await Promise.all([api.services.getOrCreate(values), api.services.getOrCreate(values)]);
      assert.equal(a.id, b.id, 'concurrent registration yields one row');
      assert.equal(a.disabled, false);
      assert.ok(a.created_at);
      const hb = await api.services.heartbeat(a.id);
      assert.equal(hb.report_count, 1);
      assert.ok(hb.last_seen_up);
      const disabled = await api.services.update(a.id, { disabled: true, disabled_reason: 'maintenance' });
      assert.equal(disabled.disabled, true);
      assert.equal(disabled.disabled_reason, 'maintenance');
      await api.services.destroy(a.id);
      await assert.rejects(api.services.get(a.id), ServiceNotFound);
      const row = await h.db.kysely.selectFrom('services').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
      assert.equal(row.deleted, a.id, 'soft delete keeps the row with deleted = id');
      assert.ok(row.deleted_at);
      const again = await api.services.getOrCreate(values);
      assert.notEqual(again.id, a.id, 'a deleted service can be registered again');
    });

    it('heartbeats many services in one go, leaving out the deleted ones', async (t) => {
      if (skip || !h) return t.skip(skip);
      const mk = (host: string) => api.services.getOrCreate({ host, binary: 'nova-compute', topic: 'compute', version: 1 });
      const [a, b, c] = await Promise.all([mk('hb-a'), mk('hb-b'), mk('hb-c')]);
      await api.services.heartbeat(a.id);
      await api.services.destroy(c.id);
      const got = await api.services.heartbeatMany([a.id, b.id, c.id]);
      assert.deepEqual([...got.keys()].sort(), [a.id, b.id].sort());
      assert.equal(got.get(a.id)?.report_count, 2);
      assert.equal(got.get(b.id)?.report_count, 1);
      assert.ok(got.get(b.id)?.last_seen_up);
      assert.equal((await api.services.get(b.id)).report_count, 1);
      assert.equal((await api.services.heartbeatMany([])).size, 0);
    });

    it('a guarded instance update lets exactly one of two writers win', async (t) => {
      if (skip || !h) return t.skip(skip);
      const inst = await api.instances.create(newInstance());
      assert.equal(inst.vm_state, 'building');
      assert.equal(inst.deleted, false);
      const results = await Promise.allSettled([
        api.instances.update(inst.uuid, { task_state: 'spawning', host: 'a' }, { expectedTaskState: ['scheduling'] }),
        api.instances.update(inst.uuid, { task_state: 'spawning', host: 'b' }, { expectedTaskState: ['scheduling'] }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof UnexpectedTaskStateError);
      await assert.rejects(api.instances.update(inst.uuid, { vm_state: 'active' }, { expectedVmState: ['stopped'] }), UnexpectedTaskStateError);
      const updated = await api.instances.update(inst.uuid, { task_state: null, metadata: { a: 'b' }, tags: ['x'] }, { expectedTaskState: ['spawning'] });
      assert.equal(updated.task_state, null);
      assert.deepEqual(updated.metadata, { a: 'b' });
      assert.deepEqual(updated.tags, ['x']);
      await api.instances.update(inst.uuid, { vm_state: 'active' }, { expectedTaskState: [null] });
    });

    it("system metadata changed by key keeps every concurrent writer's keys", async (t) => {
      if (skip || !h) return t.skip(skip);
      const inst = await api.instances.create({ ...newInstance(), system_metadata: { image_base_image_ref: 'img' } });
      const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((k) => api.instances.updateSystemMetadata(inst.uuid, () => ({ [k]: k.toUpperCase() }))));
      const after = await api.instances.get(inst.uuid);
      assert.deepEqual(after.system_metadata, { image_base_image_ref: 'img', ...Object.fromEntries(keys.map((k) => [k, k.toUpperCase()])) });
      // Only one of two "set only while unset" writers writes.
      const once = (v: string) => api.instances.updateSystemMetadata(inst.uuid, (cur) => (cur.password_0 ? null : { password_0: v }));
      const results = await Promise.all([once('a'), once('b')]);
      assert.equal(results.filter((r) => r !== null).length, 1);
      assert.equal(await api.instances.updateSystemMetadata(inst.uuid, () => ({ k0: null })).then((m) => m && 'k0' in m), false, 'a null value removes the key');
      await assert.rejects(
        api.instances.updateSystemMetadata('00000000-0000-4000-8000-000000000000', () => ({ a: 'b' })),
        InstanceNotFound,
      );
    });

    it('claims never overcommit a node, even when racing', async (t) => {
      if (skip || !h) return t.skip(skip);
      const svc = await api.services.getOrCreate({ host: 'claimhost', binary: 'nova-compute', topic: 'compute', version: 1 });
      // (4096 - 512) MiB RAM: room for exactly 7 instances of 512 MiB.
      const node = await api.computeNodes.upsertInventory('claimhost', svc.id, inventory({ vcpus: 100 }));
      const consumers = Array.from({ length: 20 }, () => randomUUID());
      const results = await Promise.allSettled(consumers.map((c) => api.computeNodes.claim(node.id, c, { vcpus: 1, memory_mb: 512, disk_gb: 1 })));
      const won = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(won, 7);
      for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof ClaimFailed);
      const after1 = await api.computeNodes.get(node.id);
      assert.equal(after1.memory_mb_used, 7 * 512);
      assert.equal(after1.running_vms, 7);
      const winner = consumers[results.findIndex((r) => r.status === 'fulfilled')] as string;
      await api.computeNodes.claim(node.id, winner, { vcpus: 1, memory_mb: 512, disk_gb: 1 });
      assert.equal((await api.computeNodes.get(node.id)).memory_mb_used, 7 * 512, 'claiming twice is a no-op');
      assert.equal((await api.computeNodes.release(winner)).length, 1);
      assert.equal((await api.computeNodes.release(winner)).length, 0, 'release is idempotent');
      const after2 = await api.computeNodes.get(node.id);
      assert.equal(after2.memory_mb_used, 6 * 512);
      assert.equal(after2.vcpus_used, 6);
      // A fresh inventory report leaves claimed usage alone.
      const refreshed = await api.computeNodes.upsertInventory('claimhost', svc.id, inventory({ vcpus: 100, memory_mb: 8192 }));
      assert.equal(refreshed.memory_mb_used, 6 * 512);
      assert.equal(refreshed.memory_mb, 8192);
      // The same consumer claimed by concurrent transactions (a build request sent twice): one claim, no error.
      const twice = randomUUID();
      await Promise.all(Array.from({ length: 5 }, () => api.computeNodes.claim(node.id, twice, { vcpus: 1, memory_mb: 512, disk_gb: 1 })));
      assert.equal((await api.computeNodes.allocationsOf(twice)).length, 1);
      assert.equal((await api.computeNodes.get(node.id)).memory_mb_used, 7 * 512, 'concurrent claims of one consumer count once');
    });

    it('lists instances with filters, sorting and marker pagination', async (t) => {
      if (skip || !h) return t.skip(skip);
      const project = `p-${randomUUID()}`;
      const made = [];
      for (let i = 0; i < 7; i++) {
        made.push(
          await api.instances.create(
            newInstance({ project_id: project, display_name: `web-${i % 2 === 0 ? 'even' : 'odd'}-${i}`, vm_state: i < 3 ? 'active' : 'error', host: i % 2 ? 'h2' : 'h1' }),
          ),
        );
      }
      const all = await api.instances.list({ project_id: project }, { sort: [{ key: 'display_name', dir: 'asc' }] });
      assert.deepEqual(
        all.map((i) => i.display_name),
        made.map((i) => i.display_name).sort(),
      );
      const page1 = await api.instances.list({ project_id: project }, { sort: [{ key: 'display_name', dir: 'asc' }], limit: 3 });
      const page2 = await api.instances.list({ project_id: project }, { sort: [{ key: 'display_name', dir: 'asc' }], limit: 3, marker: page1.at(-1)?.uuid });
      const page3 = await api.instances.list({ project_id: project }, { sort: [{ key: 'display_name', dir: 'asc' }], limit: 3, marker: page2.at(-1)?.uuid });
      assert.deepEqual(
        [...page1, ...page2, ...page3].map((i) => i.uuid),
        all.map((i) => i.uuid),
      );
      // Default sort (created_at desc, id desc) pages through everything once as well.
      const d1 = await api.instances.list({ project_id: project }, { limit: 4 });
      const d2 = await api.instances.list({ project_id: project }, { limit: 4, marker: d1.at(-1)?.uuid });
      assert.equal(new Set([...d1, ...d2].map((i) => i.uuid)).size, 7);
      assert.equal(d1[0]?.uuid, made.at(-1)?.uuid, 'newest first');
      assert.equal((await api.instances.list({ project_id: project, name: '^web-even' })).length, 4);
      assert.equal((await api.instances.list({ project_id: project, vm_state: ['error'] })).length, 4);
      assert.equal((await api.instances.list({ project_id: project, host: 'h2' })).length, 3);
      const gone = made[0]?.uuid as string;
      const destroyed = await api.instances.destroy(gone);
      assert.equal(destroyed.vm_state, 'deleted');
      assert.equal(destroyed.deleted, true);
      assert.equal((await api.instances.list({ project_id: project })).length, 6);
      assert.equal((await api.instances.list({ project_id: project, deleted: true })).length, 1);
      assert.equal((await api.instances.list({ project_id: project, changes_since: '2000-01-01 00:00:00.000000' })).length, 7, 'changes-since includes deleted');
      const usage = await api.instances.usage(project);
      assert.deepEqual(usage, { instances: 6, cores: 6, ram: 6 * 512 });
    });

    it('keeps faults, actions and events', async (t) => {
      if (skip || !h) return t.skip(skip);
      const inst = await api.instances.create(newInstance());
      await api.history.startAction({ action: 'create', instance_uuid: inst.uuid, request_id: 'req-a', user_id: 'u', project_id: 'p' });
      await api.history.startEvent(inst.uuid, 'req-a', 'compute__do_build_and_run_instance', 'h1');
      await api.history.finishEvent(inst.uuid, 'req-a', 'compute__do_build_and_run_instance', 'Error', 'trace');
      const [action] = await api.history.listActions(inst.uuid);
      assert.equal(action?.action, 'create');
      assert.equal(action?.message, 'Error');
      const events = await api.history.listEvents(action?.id as number);
      assert.equal(events[0]?.result, 'Error');
      assert.ok(events[0]?.finish_time);
      await api.history.addFault({ instance_uuid: inst.uuid, code: 500, message: 'first', details: '', host: 'h1' });
      await api.history.addFault({ instance_uuid: inst.uuid, code: 500, message: 'No valid host was found. ', details: 'x', host: null });
      const faults = await api.history.latestFaults([inst.uuid]);
      assert.equal(faults.get(inst.uuid)?.message, 'No valid host was found. ');
    });

    it('manages flavors, extra specs, access and keypairs with unique names', async (t) => {
      if (skip || !h) return t.skip(skip);
      const f = await api.flavors.create({
        flavorid: 'custom',
        name: 'custom',
        memory_mb: 64,
        vcpus: 1,
        root_gb: 0,
        ephemeral_gb: 0,
        swap: 0,
        rxtx_factor: 1,
        vcpu_weight: null,
        is_public: false,
        description: 'd',
      });
      await assert.rejects(api.flavors.create({ ...f, flavorid: 'other' }), FlavorExists);
      assert.deepEqual(await api.flavors.setExtraSpecs('custom', { 'hw:cpu_policy': 'dedicated' }), { 'hw:cpu_policy': 'dedicated' });
      assert.equal(await api.flavors.deleteExtraSpec('custom', 'hw:cpu_policy'), true);
      assert.equal(await api.flavors.deleteExtraSpec('custom', 'hw:cpu_policy'), false);
      assert.equal(
        (await api.flavors.list({ projectId: 'tenant' })).some((x) => x.flavorid === 'custom'),
        false,
      );
      await api.flavors.addAccess('custom', 'tenant');
      assert.equal(
        (await api.flavors.list({ projectId: 'tenant' })).some((x) => x.flavorid === 'custom'),
        true,
      );
      await api.flavors.destroy('custom');
      await api.keypairs.create({ name: 'k', user_id: 'u', fingerprint: 'f', public_key: 'ssh-rsa AAA', type: 'ssh' });
      await assert.rejects(api.keypairs.create({ name: 'k', user_id: 'u', fingerprint: 'f', public_key: 'x', type: 'ssh' }), KeyPairExists);
      await api.keypairs.destroy('u', 'k');
      await api.keypairs.create({ name: 'k', user_id: 'u', fingerprint: 'f', public_key: 'x', type: 'ssh' });
      assert.equal(await api.keypairs.count('u'), 1);
      await api.quotas.set('p', 'instances', 5);
      await api.quotas.set('p', 'instances', 7);
      assert.deepEqual(await api.quotas.limitsFor('p'), { instances: 7 });
    });
  });
}
