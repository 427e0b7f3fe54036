import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';

/**
 * 200 concurrent boots against two nova-scheduler processes and hosts with
 * room for exactly 150: exactly 150 ACTIVE, 50 ERROR, no host over its limit.
 */
describe('concurrent boots never overcommit', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    // Each host: (26112 - 512) / 512 = 50 m1.tiny; vCPUs and disk are plentiful.
    cluster = await startCluster({ computes: ['cc-1', 'cc-2', 'cc-3'], schedulers: 2, conf: { fake: { memory_mb: 26112, vcpus: 1000, local_gb: 10000 } } });
    api = new ApiClient(cluster.url);
  });
  after(async () => {
    await cluster?.stop(); // undefined when skipped or when startCluster failed (it cleaned up itself)
  });

  it('200 boots for 150 slots: 150 ACTIVE, 50 ERROR', async (t) => {
    if (skip) return t.skip(skip);
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => api.boot(`race-${i}`)));
    const final = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE', 'ERROR'], 120_000)));
    const active = final.filter((s) => s.status === 'ACTIVE');
    const errored = final.filter((s) => s.status === 'ERROR');
    assert.equal(active.length, 150);
    assert.equal(errored.length, 50);
    for (const s of errored) assert.match((s.fault as { message: string }).message, /^No valid host was found\./);
    const perHost: Record<string, number> = {};
    for (const s of active) {
      const h = s['OS-EXT-SRV-ATTR:host'] as string;
      perHost[h] = (perHost[h] ?? 0) + 1;
    }
    assert.deepEqual(perHost, { 'cc-1': 50, 'cc-2': 50, 'cc-3': 50 });
    const schedulersUsed = new Set(cluster.daemons.filter((d) => d.name.startsWith('scheduler-') && d.output.some((l) => l.includes('"msg":"scheduled"'))).map((d) => d.name));
    assert.equal(schedulersUsed.size, 2, 'both schedulers took part');
  });
});
