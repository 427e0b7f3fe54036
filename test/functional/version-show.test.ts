import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_VERSION } from '../../src/api/microversion.ts';
import { ALICE, type Harness, startApi } from './harness.ts';

const BASE = 'http://localhost:80';
const describedBy = { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' };

/** GET /v2.1/versions/{id}: Nova's VersionsController.show inside the v2.1 API. */
describe('GET /versions/{id}', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
  });
  after(() => h.close());

  it('answers the version asked for, its self link the endpoint the request came in on', async () => {
    const v21 = await h.call('GET', '/v2.1/versions/v2.1', { token: ALICE, version: '2.50' });
    assert.equal(v21.statusCode, 200);
    assert.deepEqual(JSON.parse(v21.body), {
      version: {
        id: 'v2.1',
        status: 'CURRENT',
        version: MAX_VERSION,
        min_version: '2.1',
        updated: '2013-07-23T11:33:21Z',
        links: [{ rel: 'self', href: `${BASE}/v2.1/` }, describedBy],
        'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
      },
    });
    assert.equal(v21.headers['openstack-api-version'], 'compute 2.50');
    const v20 = JSON.parse((await h.call('GET', '/v2.1/versions/v2.0', { token: ALICE })).body).version;
    assert.equal(v20.id, 'v2.0');
    assert.equal(v20.version, '');
    assert.deepEqual(v20.links, [{ rel: 'self', href: `${BASE}/v2.1/` }, describedBy]);
    assert.deepEqual(v20['media-types'], [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }]);
    // The query is not checked (additionalProperties: true), and the legacy project-id URL is the same route.
    assert.equal((await h.call('GET', '/v2.1/versions/v2.1?x=1', { token: ALICE })).statusCode, 200);
    assert.equal((await h.call('GET', '/v2.1/projA/versions/v2.1', { token: ALICE })).statusCode, 200);
  });

  it('answers v2.0 for any id on the legacy v2 endpoint', async () => {
    const r = await h.call('GET', '/v2/versions/anything', { token: ALICE });
    assert.equal(r.statusCode, 200);
    const v = JSON.parse(r.body).version;
    assert.equal(v.id, 'v2.0');
    assert.deepEqual(v.links[0], { rel: 'self', href: `${BASE}/v2/` });
  });

  it('404 for an unknown version; 401 without a token', async () => {
    const r = await h.call('GET', '/v2.1/versions/v3', { token: ALICE });
    assert.equal(r.statusCode, 404);
    assert.deepEqual(JSON.parse(r.body), { itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    assert.equal((await h.call('GET', '/v2.1/versions/v2.1', { token: null })).statusCode, 401);
  });
});
