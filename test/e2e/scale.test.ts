import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { until } from '../support/procs.ts';

const HOSTS = 200;

interface Hypervisor {
  hypervisor_hostname: string;
  state: string;
  status: string;
  memory_mb: number;
  memory_mb_used: number;
  vcpus: number;
  vcpus_used: number;
  running_vms: number;
}

/**
 * nova-compute-sim with 200 hosts against a separate-process cloud (nova-api,
 * nova-scheduler, nova-conductor over RabbitMQ and MariaDB): every host
 * registers and is up, 50 concurrent boots all go ACTIVE spread over the hosts
 * (each has room for 2 m1.tiny), none over its limits, then all are deleted.
 */
describe('the compute simulator: 200 hosts in one process', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  before(async () => {
    skip = (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    cluster = await startCluster({
      computes: [],
      sim: { hosts: HOSTS, prefix: 'sim-' },
      // (1536 - 512 reserved) / 512 = 2 m1.tiny per host. Heartbeats every 5 s: 200 hosts are 40 service updates a second.
      conf: { fake: { memory_mb: 1536, vcpus: 8, local_gb: 100 }, DEFAULT: { report_interval: 5, service_down_time: 60 } },
    });
    api = new ApiClient(cluster.url);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('registers every simulated host: 200 hypervisors and 200 nova-compute services up', async (t) => {
    if (skip) return t.skip(skip);
    const sim = cluster.daemons.find((d) => d.name === 'compute-sim');
    assert.ok(
      sim?.output.some((l) => /nova-compute-sim: 200 hosts .* KiB per host/.test(l)),
      'the simulator prints its memory per host',
    );
    const hypervisors = await until(
      async () => {
        const r = await api.get<{ hypervisors: Hypervisor[] }>('/os-hypervisors/detail');
        const sims = r.body.hypervisors.filter((h) => h.hypervisor_hostname.startsWith('sim-'));
        return sims.length === HOSTS && sims.every((h) => h.state === 'up' && h.status === 'enabled') ? sims : null;
      },
      60_000,
      '200 hypervisors up',
    );
    assert.equal(new Set(hypervisors.map((h) => h.hypervisor_hostname)).size, HOSTS);
    const services = await api.get<{ services: { binary: string; host: string; state: string }[] }>('/os-services?binary=nova-compute');
    const up = services.body.services.filter((s) => s.host.startsWith('sim-') && s.state === 'up');
    assert.equal(up.length, HOSTS);
  });

  it('50 concurrent boots all go ACTIVE, spread over the hosts within their limits, then are deleted', async (t) => {
    if (skip) return t.skip(skip);
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => api.boot(`scale-${i}`)));
    const servers = await Promise.all(ids.map((id) => api.waitFor(id, ['ACTIVE', 'ERROR'], 90_000)));
    assert.deepEqual(
      servers.filter((s) => s.status !== 'ACTIVE').map((s) => s.fault),
      [],
    );
    const perHost = new Map<string, number>();
    for (const s of servers) {
      const h = String(s['OS-EXT-SRV-ATTR:host']);
      assert.match(h, /^sim-\d{4}$/);
      perHost.set(h, (perHost.get(h) ?? 0) + 1);
    }
    assert.ok(perHost.size >= 25, `50 servers on ${perHost.size} hosts (at most 2 fit on one)`);
    const r = await api.get<{ hypervisors: Hypervisor[] }>('/os-hypervisors/detail');
    for (const h of r.body.hypervisors) {
      assert.ok(h.memory_mb_used <= h.memory_mb, `${h.hypervisor_hostname}: ${h.memory_mb_used} of ${h.memory_mb} MB`);
      assert.ok(h.vcpus_used <= h.vcpus, `${h.hypervisor_hostname}: ${h.vcpus_used} of ${h.vcpus} vCPUs`);
      assert.ok(h.running_vms <= 2, `${h.hypervisor_hostname}: ${h.running_vms} servers`);
    }
    await Promise.all(ids.map((id) => api.delete(`/servers/${id}`)));
    await Promise.all(ids.map((id) => api.waitGone(id, 60_000)));
    const left = await api.get<{ servers: unknown[] }>('/servers?name=^scale-');
    assert.equal(left.body.servers.length, 0);
  });
});
