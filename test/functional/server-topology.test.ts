import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Fault = Record<string, { code: number; message: string }>;

/** GET /servers/{id}/topology (2.78) over an in-process cloud: the fake driver gives guests no NUMA topology. */
describe('server topology', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let server = '';
  before(async () => {
    cloud = await startCloud({ computes: ['host-a'] });
    api = new ApiClient(cloud.url, 'alice:projA', '2.78');
    server = await api.boot('topo-1', { networks: 'none' });
    await api.waitFor(server, ['ACTIVE']);
  });
  after(() => cloud.stop());

  it('answers no nodes and no page size for a guest without a NUMA topology, to its project and to an admin', async () => {
    for (const who of [api, api.as('reader:projA'), api.as('admin:admin'), api.at('2.93'), api.at('latest')]) {
      const r = await who.get(`/servers/${server}/topology`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { nodes: [], pagesize_kb: null });
    }
    // The query is not checked before 2.102.
    assert.equal((await api.get(`/servers/${server}/topology?foo=bar`)).status, 200);
  });

  it('does not exist before 2.78; another project or an unknown server is not found', async () => {
    const before278 = await api.at('2.77').get<Fault>(`/servers/${server}/topology`);
    assert.equal(before278.status, 404);
    assert.equal(before278.body.itemNotFound?.message, 'The resource could not be found.');
    const other = await api.as('bob:projB').get<Fault>(`/servers/${server}/topology`);
    assert.equal(other.status, 404);
    const missing = '00000000-0000-4000-8000-000000000000';
    const none = await api.get<Fault>(`/servers/${missing}/topology`);
    assert.equal(none.status, 404);
    assert.equal(none.body.itemNotFound?.message, `Instance ${missing} could not be found.`);
  });
});
