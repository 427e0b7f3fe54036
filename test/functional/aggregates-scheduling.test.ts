import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Agg = { aggregate: { id: number } };

/**
 * Scheduling with host aggregates on a whole in-process cloud: two computes
 * in two aggregates with zones az1 and az2 (az2's also tagged ssd=true), and
 * AggregateInstanceExtraSpecsFilter enabled.
 */
describe('scheduling with aggregates and their availability zones', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    cloud = await startCloud({
      computes: ['h1', 'h2'],
      overrides: {
        fake: { memory_mb: '8192', vcpus: '16', local_gb: '100' },
        filter_scheduler: {
          enabled_filters: 'ComputeFilter,AvailabilityZoneFilter,RamFilter,CoreFilter,DiskFilter,ImagePropertiesFilter,AggregateInstanceExtraSpecsFilter',
        },
      },
    });
    api = new ApiClient(cloud.url);
    const zone = async (name: string, az: string, host: string, metadata: Record<string, string> = {}) => {
      const r = await api.post<Agg>('/os-aggregates', { aggregate: { name, availability_zone: az } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const id = r.body.aggregate.id;
      assert.equal((await api.post(`/os-aggregates/${id}/action`, { add_host: { host } })).status, 200);
      if (Object.keys(metadata).length) assert.equal((await api.post(`/os-aggregates/${id}/action`, { set_metadata: { metadata } })).status, 200);
    };
    await zone('agg1', 'az1', 'h1');
    await zone('agg2', 'az2', 'h2', { ssd: 'true' });
  });
  after(() => cloud.stop());

  const hostOf = (s: Record<string, unknown>) => s['OS-EXT-SRV-ATTR:host'];

  it('a server asking for az2 lands on the az2 host and shows its zone', async () => {
    const ids = await Promise.all([1, 2, 3].map((i) => api.boot(`in-az2-${i}`, { availability_zone: 'az2' })));
    for (const id of ids) {
      const s = await api.waitFor(id, ['ACTIVE']);
      assert.equal(hostOf(s), 'h2');
      assert.equal(s['OS-EXT-AZ:availability_zone'], 'az2');
    }
    const one = await api.waitFor(await api.boot('in-az1', { availability_zone: 'az1' }), ['ACTIVE']);
    assert.equal(hostOf(one), 'h1');
    assert.equal(one['OS-EXT-AZ:availability_zone'], 'az1');
    for (const id of [...ids, one.id as string]) await api.delete(`/servers/${id}`);
    await Promise.all([...ids, one.id as string].map((id) => api.waitGone(id)));
  });

  it('a server without a zone shows the zone of the host it landed on', async () => {
    const s = await api.waitFor(await api.boot('anywhere'), ['ACTIVE']);
    assert.equal(s['OS-EXT-AZ:availability_zone'], hostOf(s) === 'h1' ? 'az1' : 'az2');
    await api.delete(`/servers/${s.id}`);
    await api.waitGone(s.id as string);
  });

  it('an unknown zone, or a zone without hosts, is a 400', async () => {
    for (const zone of ['nowhere', 'az-empty']) {
      if (zone === 'az-empty') assert.equal((await api.post('/os-aggregates', { aggregate: { name: 'empty', availability_zone: zone } })).status, 200);
      const r = await api.post('/servers', { server: { name: 'lost', imageRef: 'cirros', flavorRef: '1', availability_zone: zone } });
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.deepEqual(r.body, { badRequest: { code: 400, message: 'The requested availability zone is not available' } });
    }
  });

  it('a flavor with aggregate_instance_extra_specs lands on the host whose aggregate matches', async () => {
    const f = await api.post<{ flavor: { id: string } }>('/flavors', { flavor: { name: 'ssd.tiny', id: 'ssd-tiny', ram: 512, vcpus: 1, disk: 1 } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    assert.equal((await api.post('/flavors/ssd-tiny/os-extra_specs', { extra_specs: { 'aggregate_instance_extra_specs:ssd': 'true' } })).status, 200);
    const ids = await Promise.all([1, 2, 3, 4].map((i) => api.boot(`ssd-${i}`, { flavorRef: 'ssd-tiny' })));
    for (const id of ids) assert.equal(hostOf(await api.waitFor(id, ['ACTIVE'])), 'h2');
    // No aggregate offers ssd=false: no valid host.
    assert.equal((await api.post('/flavors', { flavor: { name: 'hdd.tiny', id: 'hdd-tiny', ram: 512, vcpus: 1, disk: 1 } })).status, 200);
    await api.post('/flavors/hdd-tiny/os-extra_specs', { extra_specs: { 'aggregate_instance_extra_specs:ssd': 'false' } });
    const failed = await api.waitFor(await api.boot('hdd', { flavorRef: 'hdd-tiny' }), ['ERROR']);
    assert.match((failed.fault as { message: string }).message, /AggregateInstanceExtraSpecsFilter rejected 2 of 2 hosts/);
    for (const id of [...ids, failed.id as string]) await api.delete(`/servers/${id}`);
    await Promise.all([...ids, failed.id as string].map((id) => api.waitGone(id)));
  });
});
