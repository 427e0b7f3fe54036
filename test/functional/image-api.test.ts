import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runImageApiSuite } from './image-api.case.ts';
import { ALICE, body, createImage, type ImageHarness, startImageApi, text } from './image-harness.ts';

runImageApiSuite('SQLite', () => startImageApi());

describe('image API (SQLite): versions, schemas, errors', () => {
  let h: ImageHarness;
  before(async () => {
    h = await startImageApi();
  });
  after(async () => {
    await h.close();
  });

  it('GET / answers 300 with the v2 versions (no token needed); /versions 200; unknown versions 300', async () => {
    const res = await h.call('GET', '/', { token: null });
    assert.equal(res.statusCode, 300);
    const doc = body<{ versions: { id: string; status: string; links: { rel: string; href: string }[] }[] }>(res);
    assert.deepEqual(
      doc.versions.map((v) => `${v.id}:${v.status}`),
      [
        'v2.15:SUPPORTED',
        'v2.9:SUPPORTED',
        'v2.17:CURRENT',
        'v2.7:SUPPORTED',
        'v2.6:SUPPORTED',
        'v2.5:SUPPORTED',
        'v2.4:SUPPORTED',
        'v2.3:SUPPORTED',
        'v2.2:SUPPORTED',
        'v2.1:SUPPORTED',
        'v2.0:SUPPORTED',
      ],
    );
    assert.deepEqual(doc.versions[0]?.links, [{ rel: 'self', href: 'http://localhost:80/v2/' }]);
    assert.equal((await h.call('GET', '/versions', { token: null })).statusCode, 200);
    assert.equal((await h.call('GET', '/v3/images', { token: null })).statusCode, 300);
    assert.equal((await h.call('GET', '/v2.1/images')).statusCode, 200);
    assert.equal((await h.call('GET', '/v2/images/')).statusCode, 200);
  });

  it('serves the image and images schemas glanceclient builds its model from', async () => {
    const image = body<{ name: string; properties: Record<string, Record<string, unknown>>; additionalProperties: unknown; links: unknown[] }>(
      await h.call('GET', '/v2/schemas/image'),
    );
    assert.equal(image.name, 'image');
    assert.deepEqual(image.additionalProperties, { type: 'string' });
    assert.deepEqual(image.links, [
      { rel: 'self', href: '{self}' },
      { rel: 'enclosure', href: '{file}' },
      { rel: 'describedby', href: '{schema}' },
    ]);
    assert.deepEqual(image.properties.disk_format?.enum, [null, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']);
    assert.deepEqual(image.properties.container_format?.enum, [null, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']);
    assert.equal(image.properties.status?.readOnly, true);
    assert.equal(image.properties.os_distro?.is_base, false);
    assert.equal(image.properties.name?.is_base, undefined);
    const images = body<{ name: string; properties: { images: { items: { name: string } } }; links: unknown[] }>(await h.call('GET', '/v2/schemas/images'));
    assert.equal(images.name, 'images');
    assert.equal(images.properties.images.items.name, 'image');
    assert.equal(body<{ name: string }>(await h.call('GET', '/v2/schemas/members')).name, 'members');
    assert.equal(body<{ name: string }>(await h.call('GET', '/v2/schemas/member')).name, 'member');
  });

  it("401 without a token, in keystonemiddleware's format", async () => {
    const res = await h.call('GET', '/v2/images', { token: null });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(body(res), { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
    assert.equal((await h.call('GET', '/v2/schemas/image', { token: null })).statusCode, 401);
  });

  it('renders errors as webob does for the Accept header: JSON, HTML (*/*) or plain text', async () => {
    const json = await h.call('GET', '/v2/images/nope');
    assert.equal(json.statusCode, 404);
    assert.match(String(json.headers['content-type']), /^application\/json/);
    assert.deepEqual(body(json), { message: 'No image found with ID nope<br /><br />\n\n\n', code: '404 Not Found', title: 'Not Found' });
    const html = await h.call('GET', '/v2/images/nope', { accept: '*/*' });
    assert.match(String(html.headers['content-type']), /^text\/html/);
    assert.match(html.body, /<title>404 Not Found<\/title>[\s\S]*No image found with ID nope<br \/><br \/>/);
    const plain = await h.call('GET', '/v2/images/nope', { accept: null });
    assert.match(String(plain.headers['content-type']), /^text\/plain/);
    assert.equal(plain.body, '404 Not Found\n\nNo image found with ID nope\n\n   ');
  });

  it('405 with Allow for a known path and an unknown method; 404 for unknown paths', async () => {
    const res = await h.call('POST', '/v2/images/abc');
    assert.equal(res.statusCode, 405);
    assert.equal(res.headers.allow, 'GET, PATCH, DELETE');
    assert.equal((await h.call('GET', '/v2/nothing')).statusCode, 404);
  });

  it('answers 4xx with a clear message for every kind of bad input, never 500', async () => {
    const id = (await createImage(h, { name: 'target' })).id as string;
    const post = (b: unknown, contentType?: string) => h.call('POST', '/v2/images', { body: b, contentType });
    const cases: [string, () => ReturnType<ImageHarness['call']>, number, RegExp][] = [
      ['malformed JSON', () => post('{"name": '), 400, /Malformed JSON in request body/],
      ['empty body', () => h.call('POST', '/v2/images', { contentType: 'application/json' }), 400, /Body expected in request/],
      ['array body', () => post([1, 2]), 400, /is not of type 'object'/],
      ['bad disk_format', () => post({ disk_format: 'floppy' }), 400, /'floppy' is not one of \[None, 'ami'/],
      ['bad container_format', () => post({ container_format: 'zip' }), 400, /'zip' is not one of/],
      ['long name', () => post({ name: 'x'.repeat(256) }), 400, /is too long/],
      ['negative min_ram', () => post({ min_ram: -5 }), 400, /Invalid value '-5' for parameter 'min_ram': Cannot be a negative value/],
      ['huge min_disk', () => post({ min_disk: 1e12 }), 400, /Cannot be greater than 2147483647/],
      ['string min_ram', () => post({ min_ram: '512' }), 400, /'512' is not of type 'integer'/],
      ['float min_ram', () => post({ min_ram: 1.5 }), 400, /1.5 is not of type 'integer'/],
      ['bad protected', () => post({ protected: 'yes' }), 400, /'yes' is not of type 'boolean'/],
      ['bad visibility', () => post({ visibility: 'world' }), 400, /'world' is not one of \['community', 'public', 'private', 'shared'\]/],
      ['tags not a list', () => post({ tags: 'a,b' }), 400, /'a,b' is not of type 'array'/],
      ['non-string property', () => post({ hw_cpu_cores: 4 }), 400, /4 is not of type 'string'/],
      ['bad id', () => post({ id: 'not-a-uuid' }), 400, /'not-a-uuid' does not match/],
      ['bad kernel_id', () => post({ kernel_id: 'k' }), 400, /'k' does not match/],
      ['long property key', () => post({ ['k'.repeat(256)]: 'v' }), 400, /Custom property should not be greater than 255 characters/],
      ['status on create', () => post({ status: 'active' }), 403, /Attribute 'status' is read-only/],
      ['self on create', () => post({ self: '/x' }), 403, /Attribute 'self' is read-only/],
      ['location property', () => post({ location: 'file:///etc/passwd' }), 403, /Attribute 'location' is reserved/],
      ['locations', () => post({ locations: [] }), 403, /Attribute 'locations' is reserved/],
      ['os_glance namespace', () => post({ os_glance_importing: 'x' }), 403, /Attribute 'os_glance_importing' is reserved/],
      ['other owner', () => post({ owner: 'projB' }), 403, /You are not permitted to create images owned by 'projB'/],
      ['public by a member', () => post({ visibility: 'public' }), 403, /You are not authorized to complete publicize_image action/],
      ['too large body', () => post({ name: 'x', big: 'y'.repeat(2 * 1024 * 1024) }), 413, /larger than/],
      ['limit=abc', () => h.call('GET', '/v2/images?limit=abc'), 400, /limit param must be an integer/],
      ['limit=', () => h.call('GET', '/v2/images?limit='), 400, /limit param must be an integer/],
      ['limit=-1', () => h.call('GET', '/v2/images?limit=-1'), 400, /limit param must be positive/],
      ['sort_key=owner', () => h.call('GET', '/v2/images?sort_key=owner'), 400, /Invalid sort key: owner. It must be one of the following: name, status/],
      ['sort_dir=up', () => h.call('GET', '/v2/images?sort_dir=up'), 400, /Invalid sort direction: up/],
      ['sort=name:sideways', () => h.call('GET', '/v2/images?sort=name:sideways'), 400, /Invalid sort direction: sideways/],
      ['old+new sort', () => h.call('GET', '/v2/images?sort=name&sort_key=name'), 400, /Old and new sorting syntax cannot be combined/],
      ['dirs != keys', () => h.call('GET', '/v2/images?sort_key=name&sort_key=size&sort_key=id&sort_dir=asc&sort_dir=desc'), 400, /Number of sort dirs does not match/],
      ['unknown marker', () => h.call('GET', '/v2/images?marker=nope'), 400, /No image found with ID nope/],
      ['visibility=world', () => h.call('GET', '/v2/images?visibility=world'), 400, /Invalid visibility value: world/],
      ['member_status=x', () => h.call('GET', '/v2/images?member_status=x'), 400, /Invalid status: x/],
      ['size_min=big', () => h.call('GET', '/v2/images?size_min=big'), 400, /Unable to filter on a range with a non-numeric value/],
      ['created_at=yesterday', () => h.call('GET', '/v2/images?created_at=gt:yesterday'), 400, /Bad "created_at" query filter format/],
      ['unknown operator', () => h.call('GET', '/v2/images?name=like:x'), 400, /Unable to filter by unknown operator 'like'/],
      ['os_hidden=maybe', () => h.call('GET', '/v2/images?os_hidden=maybe'), 400, /Invalid value 'maybe' for 'os_hidden' filter/],
      ['changes-since', () => h.call('GET', '/v2/images?changes-since=2020-01-01'), 400, /no longer available on v2/],
      ['unknown image', () => h.call('GET', `/v2/images/${'x'.repeat(300)}`), 404, /No image found with ID/],
      ['patch unknown image', () => h.call('PATCH', '/v2/images/nope', { body: [], contentType: 'application/openstack-images-v2.1-json-patch' }), 404, /No image found/],
      ['delete unknown image', () => h.call('DELETE', '/v2/images/nope'), 404, /Failed to find image nope to delete/],
      ['tag too long', () => h.call('PUT', `/v2/images/${id}/tags/${'t'.repeat(300)}`), 400, /is too long/],
      ['remove missing tag', () => h.call('DELETE', `/v2/images/${id}/tags/none`), 404, /could not be found/],
      ['bad %-encoding', () => h.call('GET', '/v2/images/%zz'), 400, /is not a valid url component/],
      ['invalid media type', () => h.call('POST', '/v2/images', { body: '{}', contentType: '/////' }), 415, /not supported/],
    ];
    for (const [what, send, status, message] of cases) {
      const res = await send();
      assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 300)}`);
      assert.match(text(res), message, what);
    }
  });

  it('adds and removes tags one at a time', async () => {
    const id = (await createImage(h, { name: 'tagged', tags: ['a'] }, ALICE)).id as string;
    assert.equal((await h.call('PUT', `/v2/images/${id}/tags/b`)).statusCode, 204);
    assert.equal((await h.call('PUT', `/v2/images/${id}/tags/b`)).statusCode, 204);
    assert.deepEqual(body(await h.call('GET', `/v2/images/${id}`)).tags, ['a', 'b']);
    assert.equal((await h.call('DELETE', `/v2/images/${id}/tags/a`)).statusCode, 204);
    assert.deepEqual(body(await h.call('GET', `/v2/images/${id}`)).tags, ['b']);
  });

  it('enforces the property and tag quotas with 413', async () => {
    const small = await startImageApi({ glance_api: { image_property_quota: '2', image_tag_quota: '1' } });
    try {
      const props = await small.call('POST', '/v2/images', { body: { a: '1', b: '2', c: '3' } });
      assert.equal(props.statusCode, 413);
      assert.match(props.body, /allowed image properties. Attempted: 3, Maximum: 2/);
      const tags = await small.call('POST', '/v2/images', { body: { tags: ['x', 'y'] } });
      assert.equal(tags.statusCode, 413);
      const id = (await createImage(small, { tags: ['x'] })).id as string;
      assert.equal((await small.call('PUT', `/v2/images/${id}/tags/y`)).statusCode, 413);
    } finally {
      await small.close();
    }
  });
});
