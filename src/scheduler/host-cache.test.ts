import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ComputeAPI } from '../compute/rpc-types.ts';
import { loadConfig } from '../conf/loader.ts';
import { adminContext } from '../context.ts';
import { DbApi } from '../db/api/index.ts';
import { openDatabase } from '../db/connection.ts';
import { syncSchema } from '../db/migrate.ts';
import { silentLogger } from '../log.ts';
import type { ComputeNodeDTO, ComputeNodeInventory } from '../objects/compute-node.ts';
import { fakeSpec } from './filters/testing.ts';
import { HostStateCache } from './host-cache.ts';
import { SchedulerManager } from './manager.ts';

const conf = loadConfig({});

function inventory(host: string, memoryMb: number): ComputeNodeInventory {
  return {
    hypervisor_hostname: host,
    hypervisor_type: 'fake',
    hypervisor_version: 1000,
    cpu_info: '{"arch": "x86_64"}',
    host_ip: null,
    vcpus: 8,
    memory_mb: memoryMb,
    local_gb: 100,
    reserved_vcpus: 0,
    reserved_memory_mb: 0,
    reserved_disk_gb: 0,
    disk_available_least: null,
    current_workload: 0,
    cpu_allocation_ratio: 1,
    ram_allocation_ratio: 1,
    disk_allocation_ratio: 1,
  };
}

describe('HostStateCache', () => {
  let dir: string;
  let db: DbApi;
  const nodes: ComputeNodeDTO[] = [];

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-host-cache-'));
    db = new DbApi(await openDatabase(`sqlite:///${path.join(dir, 'nova.sqlite')}`, { createDatabase: true }));
    await syncSchema(db.db);
    for (const host of ['hc-a', 'hc-b', 'hc-c']) {
      const svc = await db.services.create({ host, binary: 'nova-compute', topic: 'compute', version: 1 });
      nodes.push(await db.computeNodes.upsertInventory(host, svc.id, inventory(host, 8192)));
    }
  });
  after(async () => {
    await db?.db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const node = (i: number) => nodes[i] as ComputeNodeDTO;

  it('reads every node once, then only the nodes whose generation moved', async () => {
    const cache = new HostStateCache(db, conf);
    const first = await cache.refresh({ withInstances: false });
    assert.deepEqual(
      first.map((h) => h.host),
      ['hc-a', 'hc-b', 'hc-c'],
    );
    assert.equal(cache.last.nodesRead, 3);
    const again = await cache.refresh({ withInstances: false });
    assert.equal(cache.last.nodesRead, 0);
    assert.equal(cache.last.statesBuilt, 0, 'nothing changed: the same host states');
    assert.equal(again[1], first[1]);

    // nova-compute reports new inventory for hc-b (update_available_resource).
    await db.computeNodes.upsertInventory('hc-b', node(1).service_id, inventory('hc-b', 16384));
    const updated = await cache.refresh({ withInstances: false });
    assert.equal(cache.last.nodesRead, 1);
    assert.equal(updated.find((h) => h.host === 'hc-b')?.memoryMb, 16384);
    assert.equal(updated[0], first[0], 'the other hosts keep their states');
  });

  it("sees another scheduler's claim and release, with the consumers of that node only", async () => {
    const cache = new HostStateCache(db, conf);
    await cache.refresh({ withInstances: true });
    assert.equal(cache.last.consumersRead, 3);
    const uuid = randomUUID();
    await db.computeNodes.claim(node(2).id, uuid, { vcpus: 2, memory_mb: 1024, disk_gb: 10 });
    let c = (await cache.refresh({ withInstances: true })).find((h) => h.host === 'hc-c');
    assert.equal(cache.last.nodesRead, 1);
    assert.equal(cache.last.consumersRead, 1);
    assert.equal(c?.vcpusUsed, 2);
    assert.equal(c?.memoryMbUsed, 1024);
    assert.ok(c?.instanceUuids.has(uuid));
    await db.computeNodes.release(uuid);
    c = (await cache.refresh({ withInstances: true })).find((h) => h.host === 'hc-c');
    assert.equal(c?.vcpusUsed, 0);
    assert.equal(c?.instanceUuids.has(uuid), false);
  });

  it('reads only the nodes it changed itself, unless another node changed too', async () => {
    const cache = new HostStateCache(db, conf);
    await cache.refresh({ withInstances: false });
    const mine = randomUUID();
    await db.computeNodes.claim(node(0).id, mine, { vcpus: 1, memory_mb: 256, disk_gb: 1 });
    cache.touch(node(0).id);
    let hosts = await cache.refresh({ withInstances: false });
    assert.equal(cache.last.nodesRead, 1);
    assert.equal(hosts.find((h) => h.host === 'hc-a')?.memoryMbUsed, (await db.computeNodes.get(node(0).id)).memory_mb_used);
    // This scheduler releases on hc-a while hc-c's nova-compute reports new inventory.
    await db.computeNodes.release(mine);
    cache.touch(node(0).id);
    await db.computeNodes.upsertInventory('hc-c', node(2).service_id, inventory('hc-c', 12288));
    hosts = await cache.refresh({ withInstances: false });
    assert.equal(hosts.find((h) => h.host === 'hc-c')?.memoryMb, 12288, "the other node's change is seen");
    assert.equal(hosts.find((h) => h.host === 'hc-a')?.memoryMbUsed, (await db.computeNodes.get(node(0).id)).memory_mb_used);
    assert.equal(cache.last.nodesRead, 1, 'hc-a was read as touched, then hc-c as changed');
  });

  it('drops a deleted node and sees a disabled service on the next refresh', async () => {
    const svc = await db.services.create({ host: 'hc-d', binary: 'nova-compute', topic: 'compute', version: 1 });
    const d = await db.computeNodes.upsertInventory('hc-d', svc.id, inventory('hc-d', 4096));
    const cache = new HostStateCache(db, conf);
    assert.equal((await cache.refresh({ withInstances: false })).find((h) => h.host === 'hc-d')?.service.disabled, false);
    await db.services.update(svc.id, { disabled: true, disabled_reason: 'maintenance' });
    const disabled = (await cache.refresh({ withInstances: false })).find((h) => h.host === 'hc-d');
    assert.equal(cache.last.nodesRead, 0);
    assert.equal(disabled?.service.disabled, true);
    assert.equal(disabled?.service.disabledReason, 'maintenance');
    await db.computeNodes.destroy(d.id);
    const after = await cache.refresh({ withInstances: false });
    assert.equal(cache.last.nodesDropped, 1);
    assert.equal(
      after.some((h) => h.host === 'hc-d'),
      false,
    );
    assert.equal(cache.get(d.id), undefined);
  });

  describe('a claim the database refuses', () => {
    /** A scheduler over hc-a (the most free RAM, preferred), hc-b and hc-c, whose claim on hc-a meets a concurrent claim of all hc-a's free RAM. */
    async function racing(releaseIt: boolean) {
      // hc-a: 64 GiB (preferred by the RAM weigher), the others less.
      await db.computeNodes.upsertInventory('hc-a', node(0).service_id, inventory('hc-a', 65536));
      // Weighed by free RAM only.
      const ramOnly = loadConfig({ overrides: { filter_scheduler: { cpu_weight_multiplier: '0', disk_weight_multiplier: '0' } } });
      const sched = new SchedulerManager({ conf: ramOnly, db, compute: {} as ComputeAPI, log: silentLogger() });
      const ctx = adminContext();
      await sched.select_destinations(ctx, { request_spec: fakeSpec({ instance_uuids: [randomUUID()], flavor: { memory_mb: 64 } }) }); // fills the cache
      const nodesApi = db.computeNodes;
      const claim = nodesApi.claim.bind(nodesApi);
      const other = randomUUID();
      let raced = false;
      nodesApi.claim = async (nodeId, uuid, req, opts) => {
        if (!raced && nodeId === node(0).id) {
          raced = true;
          const a = await db.computeNodes.get(nodeId);
          const concurrent = a.memory_mb - a.memory_mb_used;
          // Another scheduler takes hc-a's room just before this claim (and, for a moment only, when releaseIt).
          await claim(nodeId, other, { vcpus: 1, memory_mb: concurrent, disk_gb: 1 });
          try {
            return await claim(nodeId, uuid, req, opts);
          } finally {
            if (releaseIt) await db.computeNodes.release(other);
          }
        }
        return claim(nodeId, uuid, req, opts);
      };
      const usedBefore = (await db.computeNodes.get(node(0).id)).memory_mb_used;
      try {
        const uuid = randomUUID();
        const [dest] = await sched.select_destinations(ctx, { request_spec: fakeSpec({ instance_uuids: [uuid], flavor: { memory_mb: 4096 } }) });
        assert.ok(raced, 'the claim on hc-a raced');
        return { sched, dest, uuid, usedBefore };
      } finally {
        nodesApi.claim = claim;
        await db.computeNodes.release(other);
      }
    }

    it('reads that host again and, when it still fits, claims it there', async () => {
      const { sched, dest, uuid, usedBefore } = await racing(true);
      assert.equal(dest?.host, 'hc-a', 'tried hc-a again after reading it');
      assert.equal(sched.hostCache.get(node(0).id)?.memoryMbUsed, usedBefore + 4096);
      await db.computeNodes.release(uuid);
    });

    it('reads that host again and moves on when it is full', async () => {
      const { sched, dest, uuid } = await racing(false);
      assert.notEqual(dest?.host, 'hc-a');
      // The cache holds hc-a as the database had it after the concurrent claim.
      assert.equal(sched.hostCache.get(node(0).id)?.memoryMbUsed, 65536);
      await db.computeNodes.release(uuid);
    });
  });
});
