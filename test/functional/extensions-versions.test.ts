import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, type Harness, json, startApi } from './harness.ts';

type Ext = { alias: string; name: string; description: string; links: unknown[]; namespace: string; updated: string };

describe('/extensions, the version documents and the legacy v2 endpoint', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
  });
  after(() => h.close());

  it("lists Nova's 99 extensions to anyone, and shows one by alias", async () => {
    const r = await h.call('GET', '/v2.1/extensions', { token: ALICE });
    assert.equal(r.statusCode, 200);
    const list = json<{ extensions: Ext[] }>(r).extensions;
    assert.equal(list.length, 99);
    assert.deepEqual(list[0], {
      alias: 'NMN',
      description: 'Multiple network support.',
      links: [],
      name: 'Multinic',
      namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
      updated: '2014-12-03T00:00:00Z',
    });
    assert.ok(!list.some((e) => e.alias === 'OS-EXT-VIF-NET'));
    const one = await h.call('GET', '/v2.1/extensions/os-hosts');
    assert.equal(one.statusCode, 200);
    assert.equal(json<{ extension: Ext }>(one).extension.name, 'Hosts');
    const none = await h.call('GET', '/v2.1/extensions/nope');
    assert.equal(none.statusCode, 404);
  });

  it('lists v2.0 and v2.1 in the versions document and answers /v2 with the v2.0 document', async () => {
    const r = await h.call('GET', '/', { token: null });
    const versions = json<{ versions: { id: string; status: string; version: string; min_version: string; links: { href: string }[] }[] }>(r).versions;
    assert.deepEqual(
      versions.map((v) => [v.id, v.status, v.version === '' ? '' : 'range']),
      [
        ['v2.0', 'SUPPORTED', ''],
        ['v2.1', 'CURRENT', 'range'],
      ],
    );
    assert.match(versions[0]?.links[0]?.href ?? '', /\/v2\/$/);
    const v2 = await h.call('GET', '/v2', { token: null });
    assert.equal(v2.statusCode, 200);
    const doc = json<{ version: Record<string, unknown> }>(v2).version;
    assert.equal(doc.id, 'v2.0');
    assert.deepEqual(doc['media-types'], [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }]);
  });

  it('serves the v2.1 routes on /v2 at 2.1, ignoring and not sending microversion headers', async () => {
    const r = await h.call('GET', '/v2/flavors', { version: '2.61' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['openstack-api-version'], undefined);
    assert.equal(r.headers['x-openstack-nova-api-version'], undefined);
    assert.equal(r.headers.vary, undefined);
    const flavor = json<{ flavors: Record<string, unknown>[] }>(r).flavors[0];
    assert.ok(flavor && !('description' in flavor), 'flavors at 2.1 have no description');
    const withProject = await h.call('GET', '/v2/admin/flavors/1');
    assert.equal(withProject.statusCode, 200);
    const legacyExt = json<{ extensions: Ext[] }>(await h.call('GET', '/v2/extensions')).extensions;
    assert.equal(legacyExt.length, 100);
    assert.ok(legacyExt.some((e) => e.alias === 'OS-EXT-VIF-NET'));
    const v21 = await h.call('GET', '/v2.1/flavors', { version: '2.61' });
    assert.equal(v21.headers['openstack-api-version'], 'compute 2.61');
  });
});
