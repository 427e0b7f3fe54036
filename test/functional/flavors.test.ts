import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, BOB, type Harness, json, policyMessage, startApi } from './harness.ts';

type Flavor = Record<string, unknown> & { id: string; links: { rel: string; href: string }[] };
type Flavors = { flavors: Flavor[]; flavors_links?: { rel: string; href: string }[] };

const DETAIL_21 = ['id', 'name', 'ram', 'disk', 'swap', 'OS-FLV-EXT-DATA:ephemeral', 'OS-FLV-DISABLED:disabled', 'vcpus', 'os-flavor-access:is_public', 'rxtx_factor', 'links'];

describe('flavors', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
  });
  after(async () => {
    await h.close();
  });

  it('GET /flavors/m1.tiny is the 404 clients expect before listing by name', async () => {
    const res = await h.call('GET', '/v2.1/flavors/m1.tiny', { token: ALICE, version: '2.1', legacyHeader: true });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Flavor m1.tiny could not be found.' } });
    assert.equal(res.headers['openstack-api-version'], 'compute 2.1');
  });

  it('GET /flavors at 2.1: id, name, links only', async () => {
    const res = await h.call('GET', '/v2.1/flavors', { token: ALICE });
    assert.equal(res.statusCode, 200);
    const body = json<Flavors>(res);
    assert.equal(body.flavors.length, 7);
    assert.deepEqual(Object.keys(body.flavors[0] as Flavor), ['id', 'name', 'links']);
    assert.deepEqual((body.flavors[0] as Flavor).links, [
      { rel: 'self', href: 'http://localhost:80/v2.1/flavors/1' },
      { rel: 'bookmark', href: 'http://localhost:80/flavors/1' },
    ]);
    assert.equal(body.flavors_links, undefined);
  });

  it('GET /flavors/1 at 2.1 matches the trace', async () => {
    const res = await h.call('GET', '/v2.1/flavors/1', { token: ALICE });
    assert.equal(res.statusCode, 200);
    const f = json<{ flavor: Flavor }>(res).flavor;
    assert.deepEqual(Object.keys(f), DETAIL_21);
    assert.equal(f.swap, '');
    assert.equal(f.ram, 512);
    assert.equal(f.rxtx_factor, 1);
    assert.equal(f['os-flavor-access:is_public'], true);
  });

  it('GET /flavors/detail?is_public=True at 2.61 adds description and extra_specs', async () => {
    const res = await h.call('GET', '/v2.1/flavors/detail?is_public=True', { version: '2.61' });
    const f = json<Flavors>(res).flavors[0] as Flavor;
    assert.deepEqual(Object.keys(f), [...DETAIL_21, 'description', 'extra_specs']);
    assert.equal(f.swap, '');
    assert.deepEqual(f.extra_specs, {});
  });

  it('swap is 0 from 2.75; index has description from 2.55', async () => {
    const d = json<Flavors>(await h.call('GET', '/v2.1/flavors/detail?is_public=None', { version: '2.92' })).flavors[0] as Flavor;
    assert.equal(d.swap, 0);
    const i = json<Flavors>(await h.call('GET', '/v2.1/flavors', { version: '2.55' })).flavors[0] as Flavor;
    assert.deepEqual(Object.keys(i), ['id', 'name', 'links', 'description']);
  });

  it('filters by minRam/minDisk, sorts, pages with flavors_links', async () => {
    let body = json<Flavors>(await h.call('GET', '/v2.1/flavors?minRam=4096&sort_key=memory_mb&sort_dir=desc'));
    assert.deepEqual(
      body.flavors.map((f) => f.id),
      ['5', '4', '3'],
    );
    body = json<Flavors>(await h.call('GET', '/v2.1/flavors/detail?minDisk=40&limit=2'));
    assert.deepEqual(
      body.flavors.map((f) => f.id),
      ['3', '4'],
    );
    assert.deepEqual(body.flavors_links, [{ rel: 'next', href: 'http://localhost:80/v2.1/flavors/detail?limit=2&minDisk=40&marker=4' }]);
    body = json<Flavors>(await h.call('GET', '/v2.1/flavors/detail?minDisk=40&limit=2&marker=4'));
    assert.deepEqual(
      body.flavors.map((f) => f.id),
      ['5'],
    );
    assert.equal(body.flavors_links, undefined);
  });

  it('bad query strings are 400s, never 500s', async () => {
    const cases: [string, string][] = [
      ['/v2.1/flavors?limit=abc', "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'"],
      ['/v2.1/flavors?limit=-1', "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"],
      ['/v2.1/flavors?sort_dir=up', "Invalid input for query parameters sort_dir. Value: up. 'up' is not one of ['asc', 'desc']"],
      ['/v2.1/flavors?minRam=lots', 'Invalid minRam filter [lots]'],
      ['/v2.1/flavors?minDisk=1.5', 'Invalid minDisk filter [1.5]'],
      ['/v2.1/flavors?marker=nope', 'marker [nope] not found'],
      ['/v2.1/flavors/detail?is_public=maybe', 'Invalid is_public filter [maybe]'],
    ];
    for (const [url, message] of cases) {
      const res = await h.call('GET', url);
      assert.equal(res.statusCode, 400, url);
      assert.deepEqual(json(res), { badRequest: { code: 400, message } }, url);
    }
    const strict = await h.call('GET', '/v2.1/flavors?foo=1', { version: '2.75' });
    assert.equal(strict.statusCode, 400);
    assert.equal(json<{ badRequest: { message: string } }>(strict).badRequest.message, "Additional properties are not allowed ('foo' was unexpected)");
    assert.equal((await h.call('GET', '/v2.1/flavors?foo=1', { version: '2.74' })).statusCode, 200);
  });

  it('POST /flavors creates (admin, 200), with an auto UUID id when absent', async () => {
    const res = await h.call('POST', '/v2.1/flavors', { version: '2.61', body: { flavor: { name: 'auto', ram: '1024', vcpus: 2, disk: 10, swap: 512, rxtx_factor: '2.5' } } });
    assert.equal(res.statusCode, 200);
    const f = json<{ flavor: Flavor }>(res).flavor;
    assert.match(f.id, /^[0-9a-f-]{36}$/);
    assert.equal(f.ram, 1024);
    assert.equal(f.swap, 512);
    assert.equal(f.rxtx_factor, 2.5);
    assert.equal(f.description, null);
    assert.deepEqual(f.extra_specs, {});
    const numeric = json<{ flavor: Flavor }>(await h.call('POST', '/v2.1/flavors', { body: { flavor: { name: 'num', id: 100, ram: 64, vcpus: 1, disk: 0 } } })).flavor;
    assert.equal(numeric.id, '100');
    assert.deepEqual(Object.keys(numeric), DETAIL_21);
  });

  it('POST /flavors: 409 on a duplicate name or id', async () => {
    let res = await h.call('POST', '/v2.1/flavors', { body: { flavor: { name: 'm1.tiny', ram: 64, vcpus: 1, disk: 0 } } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(json(res), { conflictingRequest: { code: 409, message: 'Flavor with name m1.tiny already exists.' } });
    res = await h.call('POST', '/v2.1/flavors', { body: { flavor: { name: 'other', id: '1', ram: 64, vcpus: 1, disk: 0 } } });
    assert.equal(res.statusCode, 409);
    assert.equal(json<{ conflictingRequest: { message: string } }>(res).conflictingRequest.message, 'Flavor with ID 1 already exists.');
  });

  it('POST /flavors: 400 naming the field for bad bodies', async () => {
    const cases: [unknown, RegExp][] = [
      [{ flavor: { name: 'x', ram: 0, vcpus: 1, disk: 0 } }, /^Invalid input for field\/attribute ram\. Value: 0\. 0 is less than the minimum of 1$/],
      [{ flavor: { name: 'x', ram: '0', vcpus: 1, disk: 0 } }, /field\/attribute ram\. Value: 0\. 0 is less than the minimum of 1$/],
      [{ flavor: { name: 'x', ram: 64, vcpus: 'many', disk: 0 } }, /field\/attribute vcpus\..*does not match/],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1, disk: 0, rxtx_factor: 0 } }, /field\/attribute rxtx_factor\. .*less than or equal to the minimum of 0/],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1, disk: 99999999999 } }, /field\/attribute disk\..*greater than the maximum of 2147483647/],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1 } }, /field\/attribute flavor\..*'disk' is a required property/],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1, disk: 0, bogus: 1 } }, /Additional properties are not allowed \('bogus' was unexpected\)/],
      [{ flavor: { name: ' padded', ram: 64, vcpus: 1, disk: 0 } }, /^An invalid 'name' value was provided/],
      [{ flavor: { name: 'x', id: ' bad id', ram: 64, vcpus: 1, disk: 0 } }, /field\/attribute id\./],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': 'sure' } }, /field\/attribute os-flavor-access:is_public\./],
      [{ flavor: { name: 'x', ram: 64, vcpus: 1, disk: 0, description: 'd' } }, /Additional properties are not allowed \('description' was unexpected\)/],
      [{ flavor: 'x' }, /field\/attribute flavor\./],
      [[1, 2], /./],
      ['{not json', /Malformed request body/],
    ];
    for (const [body, re] of cases) {
      const res = await h.call('POST', '/v2.1/flavors', { body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(json<{ badRequest: { message: string } }>(res).badRequest.message, re, JSON.stringify(body));
    }
  });

  it('non-admins may not create, update or delete flavors (403)', async () => {
    let res = await h.call('POST', '/v2.1/flavors', { token: ALICE, body: { flavor: { name: 'mine', ram: 64, vcpus: 1, disk: 0 } } });
    assert.equal(res.statusCode, 403);
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-flavor-manage:create') } });
    res = await h.call('DELETE', '/v2.1/flavors/1', { token: ALICE });
    assert.equal(res.statusCode, 403);
    res = await h.call('PUT', '/v2.1/flavors/1', { token: ALICE, version: '2.55', body: { flavor: { description: 'x' } } });
    assert.equal(res.statusCode, 403);
  });

  it('PUT /flavors/{id} updates the description from 2.55, 404 before', async () => {
    assert.equal((await h.call('PUT', '/v2.1/flavors/2', { version: '2.54', body: { flavor: { description: 'x' } } })).statusCode, 404);
    const res = await h.call('PUT', '/v2.1/flavors/2', { version: '2.55', body: { flavor: { description: 'Small one' } } });
    assert.equal(res.statusCode, 200);
    assert.equal(json<{ flavor: Flavor }>(res).flavor.description, 'Small one');
    const bad = await h.call('PUT', '/v2.1/flavors/2', { version: '2.55', body: { flavor: { name: 'x' } } });
    assert.equal(bad.statusCode, 400);
    const missing = await h.call('PUT', '/v2.1/flavors/nope', { version: '2.55', body: { flavor: { description: null } } });
    assert.equal(missing.statusCode, 404);
  });

  it('private flavors: visible to admins and to projects they are shared with', async () => {
    const created = await h.call('POST', '/v2.1/flavors', {
      version: '2.7',
      body: { flavor: { name: 'private', id: 'priv', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false } },
    });
    assert.equal(created.statusCode, 200);
    assert.equal((await h.call('GET', '/v2.1/flavors/priv', { token: ALICE })).statusCode, 404);
    let ids = json<Flavors>(await h.call('GET', '/v2.1/flavors?is_public=None', { token: ALICE })).flavors.map((f) => f.id);
    assert.ok(!ids.includes('priv'));
    ids = json<Flavors>(await h.call('GET', '/v2.1/flavors?is_public=None')).flavors.map((f) => f.id);
    assert.ok(ids.includes('priv'));
    ids = json<Flavors>(await h.call('GET', '/v2.1/flavors?is_public=false')).flavors.map((f) => f.id);
    assert.deepEqual(ids, ['priv']);

    let res = await h.call('POST', '/v2.1/flavors/priv/action', { body: { addTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { flavor_access: [{ flavor_id: 'priv', tenant_id: 'projA' }] });
    assert.equal((await h.call('GET', '/v2.1/flavors/priv', { token: ALICE })).statusCode, 200);
    assert.equal((await h.call('GET', '/v2.1/flavors/priv', { token: BOB })).statusCode, 404);
    ids = json<Flavors>(await h.call('GET', '/v2.1/flavors', { token: ALICE })).flavors.map((f) => f.id);
    assert.ok(ids.includes('priv'));

    res = await h.call('POST', '/v2.1/flavors/priv/action', { body: { addTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 409);
    assert.equal(json<{ conflictingRequest: { message: string } }>(res).conflictingRequest.message, 'Flavor access already exists for flavor priv and project projA combination.');

    res = await h.call('GET', '/v2.1/flavors/priv/os-flavor-access');
    assert.deepEqual(json(res), { flavor_access: [{ flavor_id: 'priv', tenant_id: 'projA' }] });
    res = await h.call('POST', '/v2.1/flavors/priv/action', { body: { removeTenantAccess: { tenant: 'projA' } } });
    assert.deepEqual(json(res), { flavor_access: [] });
    res = await h.call('POST', '/v2.1/flavors/priv/action', { body: { removeTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 404);
    assert.equal(json<{ itemNotFound: { message: string } }>(res).itemNotFound.message, 'Flavor access not found for priv / projA combination.');
  });

  it('flavor access: public flavors, policies and malformed actions', async () => {
    let res = await h.call('GET', '/v2.1/flavors/1/os-flavor-access');
    assert.equal(res.statusCode, 404);
    assert.equal(json<{ itemNotFound: { message: string } }>(res).itemNotFound.message, 'Access list not available for public flavors.');
    res = await h.call('GET', '/v2.1/flavors/1/os-flavor-access', { token: ALICE });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-flavor-access') } });
    res = await h.call('POST', '/v2.1/flavors/1/action', { version: '2.7', body: { addTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 409);
    assert.equal(json<{ conflictingRequest: { message: string } }>(res).conflictingRequest.message, 'Can not add access to a public flavor.');
    res = await h.call('POST', '/v2.1/flavors/1/action', { token: ALICE, body: { addTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 403);
    res = await h.call('POST', '/v2.1/flavors/1/action', { body: { explode: {} } });
    assert.deepEqual(json(res), { badRequest: { code: 400, message: 'There is no such action: explode' } });
    res = await h.call('POST', '/v2.1/flavors/1/action', { body: { a: 1, b: 2 } });
    assert.deepEqual(json(res), { badRequest: { code: 400, message: 'Malformed request body' } });
    res = await h.call('POST', '/v2.1/flavors/1/action', { body: { addTenantAccess: { tenant: '' } } });
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/1/action', { body: { addTenantAccess: 'projA' } });
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/1/action');
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/nope/action', { body: { addTenantAccess: { tenant: 'projA' } } });
    assert.equal(res.statusCode, 404);
  });

  it('extra specs: list, create, show, update, delete', async () => {
    let res = await h.call('GET', '/v2.1/flavors/1/os-extra_specs', { token: ALICE, version: '2.61' });
    assert.deepEqual(json(res), { extra_specs: {} });
    res = await h.call('POST', '/v2.1/flavors/1/os-extra_specs', { body: { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': 1024 } } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(json(res), { extra_specs: { 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': 1024 } });
    res = await h.call('GET', '/v2.1/flavors/1/os-extra_specs/quota:cpu_shares', { token: ALICE });
    assert.deepEqual(json(res), { 'quota:cpu_shares': '1024' });
    res = await h.call('PUT', '/v2.1/flavors/1/os-extra_specs/hw:cpu_policy', { body: { 'hw:cpu_policy': 'shared' } });
    assert.deepEqual(json(res), { 'hw:cpu_policy': 'shared' });
    const f = json<{ flavor: Flavor }>(await h.call('GET', '/v2.1/flavors/1', { token: ALICE, version: '2.61' })).flavor;
    assert.deepEqual(f.extra_specs, { 'hw:cpu_policy': 'shared', 'quota:cpu_shares': '1024' });
    res = await h.call('DELETE', '/v2.1/flavors/1/os-extra_specs/hw:cpu_policy');
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
    res = await h.call('DELETE', '/v2.1/flavors/1/os-extra_specs/hw:cpu_policy');
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Flavor 1 has no extra specs with key hw:cpu_policy.' } });
    res = await h.call('GET', '/v2.1/flavors/1/os-extra_specs/nope');
    assert.equal(res.statusCode, 404);
    res = await h.call('GET', '/v2.1/flavors/nope/os-extra_specs');
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Flavor nope could not be found.' } });
  });

  it('extra specs: bad bodies and non-admin writes', async () => {
    let res = await h.call('PUT', '/v2.1/flavors/1/os-extra_specs/a', { body: { b: 'x' } });
    assert.deepEqual(json(res), { badRequest: { code: 400, message: 'Request body and URI mismatch' } });
    res = await h.call('PUT', '/v2.1/flavors/1/os-extra_specs/a', { body: { a: 'x', b: 'y' } });
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/1/os-extra_specs', { body: { extra_specs: { 'bad/key': 'x' } } });
    assert.equal(res.statusCode, 400);
    // jsonschema's additionalProperties wording when the schema has patternProperties.
    assert.equal(
      json<{ badRequest: { message: string } }>(res).badRequest.message,
      "Invalid input for field/attribute extra_specs. Value: {'bad/key': 'x'}. 'bad/key' does not match any of the regexes: '^[a-zA-Z0-9-_:. ]{1,255}$'",
    );
    res = await h.call('POST', '/v2.1/flavors/1/os-extra_specs', { body: { extra_specs: { a: { nested: true } } } });
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/1/os-extra_specs', { body: { specs: {} } });
    assert.equal(res.statusCode, 400);
    res = await h.call('POST', '/v2.1/flavors/1/os-extra_specs', { token: ALICE, body: { extra_specs: { a: 'b' } } });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-flavor-extra-specs:create') } });
    res = await h.call('DELETE', '/v2.1/flavors/1/os-extra_specs/a', { token: ALICE });
    assert.equal(res.statusCode, 403);
  });

  it('DELETE /flavors/{id}: 202, then 404', async () => {
    await h.call('POST', '/v2.1/flavors', { body: { flavor: { name: 'doomed', id: 'doomed', ram: 64, vcpus: 1, disk: 0 } } });
    let res = await h.call('DELETE', '/v2.1/flavors/doomed');
    assert.equal(res.statusCode, 202);
    res = await h.call('DELETE', '/v2.1/flavors/doomed');
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Flavor doomed could not be found.' } });
  });
});
