import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type Body = Record<string, Record<string, unknown>>;

/** /servers/{id}/ips over an in-process cloud: no network service, so no networks. */
describe('server IPs', () => {
  let cloud: Cloud;
  let api: ApiClient;
  let server = '';
  before(async () => {
    cloud = await startCloud({ computes: ['host-a'] });
    api = new ApiClient(cloud.url);
    server = await api.boot('ips-1');
    await api.waitFor(server, ['ACTIVE']);
  });
  after(() => cloud.stop());

  it('lists the addresses per network, 404 for a network the server is not on or another project', async () => {
    const r = await api.get(`/servers/${server}/ips`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { addresses: {} });
    const one = await api.get<Body>(`/servers/${server}/ips/private`);
    assert.equal(one.status, 404);
    assert.equal(one.body.itemNotFound?.message, 'Instance is not a member of specified network');
    const other = await api.as('bob:projB').get<Body>(`/servers/${server}/ips`);
    assert.equal(other.status, 404);
    assert.equal((await api.get('/servers/00000000-0000-4000-8000-000000000000/ips')).status, 404);
  });
});
