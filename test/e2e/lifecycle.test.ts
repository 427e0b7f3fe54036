import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';

/**
 * nova-api, nova-scheduler, nova-conductor and three nova-compute processes
 * over RabbitMQ and MariaDB: 30 concurrent boots spread by the weighers,
 * a boot over capacity in ERROR with the per-filter reason, every action,
 * and resources released after delete.
 */
describe('server lifecycle across separate processes over RabbitMQ and MariaDB', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    // Each compute: (8192 - 512) / 512 = 15 m1.tiny of RAM.
    cluster = await startCluster({ computes: ['compute-1', 'compute-2', 'compute-3'], conf: { fake: { memory_mb: 8192, vcpus: 64, local_gb: 200 } } });
    api = new ApiClient(cluster.url);
  });
  after(async () => {
    await cluster?.stop(); // undefined when skipped or when startCluster failed (it cleaned up itself)
  });

  it('boots 30 servers at once, all ACTIVE, spread across hosts', async (t) => {
    if (skip) return t.skip(skip);
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => api.boot(`e2e-${i}`)));
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'], 60_000)));
    const perHost: Record<string, number> = {};
    for (const s of servers) {
      const h = s['OS-EXT-SRV-ATTR:host'] as string;
      perHost[h] = (perHost[h] ?? 0) + 1;
    }
    assert.deepEqual(perHost, { 'compute-1': 10, 'compute-2': 10, 'compute-3': 10 });
    const hyp = await api.get<{ hypervisors: { hypervisor_hostname: string; running_vms: number; memory_mb_used: number }[] }>('/os-hypervisors/detail');
    assert.equal(hyp.status, 200);
    for (const h of hyp.body.hypervisors) {
      assert.equal(h.running_vms, 10);
      assert.equal(h.memory_mb_used, 512 + 10 * 512);
    }
  });

  it('puts the boot that no host can take in ERROR with the filter reasons', async (t) => {
    if (skip) return t.skip(skip);
    const ids = await Promise.all(Array.from({ length: 15 }, (_, i) => api.boot(`fill-${i}`)));
    await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE'], 60_000)));
    const extra = await api.boot('no-room');
    const s = await api.waitFor(extra, ['ERROR'], 60_000);
    assert.match((s.fault as { message: string }).message, /No valid host was found\. RamFilter rejected 3 of 3 hosts/);
  });

  it('runs the actions across the bus with their 409s', async (t) => {
    if (skip) return t.skip(skip);
    const list = await api.get<{ servers: { id: string; name: string }[] }>('/servers?name=^e2e-0$');
    const id = list.body.servers[0]?.id as string;
    const act = (body: unknown) => api.post(`/servers/${id}/action`, body);
    assert.equal((await act({ 'os-stop': null })).status, 202);
    await api.waitFor(id, ['SHUTOFF']);
    const c = await act({ pause: null });
    assert.equal(c.status, 409);
    assert.match(JSON.stringify(c.body), /Cannot 'pause' instance .* while it is in vm_state stopped/);
    for (const [body, status] of [
      [{ 'os-start': null }, 'ACTIVE'],
      [{ pause: null }, 'PAUSED'],
      [{ unpause: null }, 'ACTIVE'],
      [{ suspend: null }, 'SUSPENDED'],
      [{ resume: null }, 'ACTIVE'],
      [{ reboot: { type: 'HARD' } }, 'ACTIVE'],
      [{ reboot: { type: 'SOFT' } }, 'ACTIVE'],
    ] as const) {
      assert.equal((await act(body)).status, 202, JSON.stringify(body));
      await api.waitFor(id, [status]);
    }
    const out = await act({ 'os-getConsoleOutput': {} });
    assert.match((out.body as { output: string }).output, /fake console/);
  });

  it('deletes everything and releases every claim', async (t) => {
    if (skip) return t.skip(skip);
    const all = await api.get<{ servers: { id: string }[] }>('/servers');
    await Promise.all(all.body.servers.map((s) => api.delete(`/servers/${s.id}`)));
    await Promise.all(all.body.servers.map((s) => api.waitGone(s.id, 60_000)));
    const hyp = await api.get<{ hypervisors: { running_vms: number; memory_mb_used: number; vcpus_used: number }[] }>('/os-hypervisors/detail');
    assert.equal(hyp.status, 200);
    assert.equal(hyp.body.hypervisors.length, 3);
    for (const h of hyp.body.hypervisors) {
      assert.equal(h.running_vms, 0);
      assert.equal(h.memory_mb_used, 512, 'only the reserved memory remains used');
      assert.equal(h.vcpus_used, 0);
    }
  });
});
