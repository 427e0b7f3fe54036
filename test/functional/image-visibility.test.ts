import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, BOB, body, CAROL, createImage, type ImageHarness, startImageApi, text } from './image-harness.ts';

/**
 * Who sees and changes which image, between projA (alice, carol), projB
 * (bob) and an admin, as Glance's legacy policy and its database layer
 * decide; sharing through members.
 */
describe('image visibility and ownership', () => {
  let h: ImageHarness;
  const ids: Record<string, string> = {};
  const PATCH = 'application/openstack-images-v2.1-json-patch';
  const names = async (token: string, query = '') => {
    const res = await h.call('GET', `/v2/images${query}`, { token });
    assert.equal(res.statusCode, 200, res.body);
    return body<{ images: { name: string }[] }>(res)
      .images.map((i) => i.name)
      .sort();
  };

  before(async () => {
    h = await startImageApi();
    ids.private = (await createImage(h, { name: 'a-private', visibility: 'private' })).id as string;
    ids.shared = (await createImage(h, { name: 'a-shared' })).id as string;
    ids.community = (await createImage(h, { name: 'a-community', visibility: 'community' })).id as string;
    ids.public = (await createImage(h, { name: 'adm-public', visibility: 'public' }, ADMIN)).id as string;
    ids.bob = (await createImage(h, { name: 'b-private', visibility: 'private' }, BOB)).id as string;
  });
  after(async () => {
    await h.close();
  });

  it("a project lists its own images and public ones; others' community images only when asked for", async () => {
    assert.deepEqual(await names(ALICE), ['a-community', 'a-private', 'a-shared', 'adm-public']);
    assert.deepEqual(await names(CAROL), ['a-community', 'a-private', 'a-shared', 'adm-public']);
    assert.deepEqual(await names(BOB), ['adm-public', 'b-private']);
    assert.deepEqual(await names(BOB, '?visibility=community'), ['a-community']);
    assert.deepEqual(await names(BOB, '?visibility=all'), ['a-community', 'adm-public', 'b-private']);
    assert.deepEqual(await names(BOB, '?visibility=private'), ['b-private']);
  });

  it('an admin sees every image (community ones of other projects on request, as Glance)', async () => {
    assert.deepEqual(await names(ADMIN), ['a-private', 'a-shared', 'adm-public', 'b-private']);
    assert.deepEqual(await names(ADMIN, '?visibility=all'), ['a-community', 'a-private', 'a-shared', 'adm-public', 'b-private']);
    for (const id of Object.values(ids)) assert.equal((await h.call('GET', `/v2/images/${id}`, { token: ADMIN })).statusCode, 200);
  });

  it('another project gets 404 for private and unshared images, 200 for public and community', async () => {
    for (const k of ['private', 'shared']) {
      const res = await h.call('GET', `/v2/images/${ids[k]}`, { token: BOB });
      assert.equal(res.statusCode, 404, k);
      assert.match(text(res), /No image found with ID/);
    }
    for (const k of ['public', 'community']) assert.equal((await h.call('GET', `/v2/images/${ids[k]}`, { token: BOB })).statusCode, 200, k);
  });

  it('only the owner project (or an admin) changes or deletes an image: 403 when visible, 404 when not', async () => {
    const rename = (id: string, token: string) => h.call('PATCH', `/v2/images/${id}`, { token, body: [{ op: 'replace', path: '/name', value: 'renamed' }], contentType: PATCH });
    const denied = await rename(ids.community as string, BOB);
    assert.equal(denied.statusCode, 403);
    assert.match(text(denied), /You do not own this image/);
    assert.equal((await rename(ids.private as string, BOB)).statusCode, 404);
    assert.equal((await h.call('DELETE', `/v2/images/${ids.public}`, { token: BOB })).statusCode, 403);
    assert.equal((await h.call('DELETE', `/v2/images/${ids.private}`, { token: BOB })).statusCode, 404);
    assert.equal((await h.call('PUT', `/v2/images/${ids.public}/tags/x`, { token: BOB })).statusCode, 403);
    // A colleague in the same project may, and so may an admin.
    assert.equal((await rename(ids.shared as string, CAROL)).statusCode, 200);
    const back = await h.call('PATCH', `/v2/images/${ids.shared}`, { token: ADMIN, body: [{ op: 'replace', path: '/name', value: 'a-shared' }], contentType: PATCH });
    assert.equal(back.statusCode, 200);
  });

  it('only an admin makes an image public or changes its owner', async () => {
    const pub = await h.call('PATCH', `/v2/images/${ids.private}`, { body: [{ op: 'replace', path: '/visibility', value: 'public' }], contentType: PATCH });
    assert.equal(pub.statusCode, 403);
    assert.match(text(pub), /publicize_image/);
    const owner = await h.call('PATCH', `/v2/images/${ids.private}`, { body: [{ op: 'replace', path: '/owner', value: 'projB' }], contentType: PATCH });
    assert.equal(owner.statusCode, 403);
    assert.match(text(owner), /Owner can't be updated by non admin/);
    const created = await h.call('POST', '/v2/images', { token: ADMIN, body: { name: 'for-b', owner: 'projB', visibility: 'private' } });
    assert.equal(created.statusCode, 201);
    assert.equal(body(created).owner, 'projB');
    assert.ok((await names(BOB)).includes('for-b'));
  });

  it('shares a shared image with a member project: pending, then accepted (listed), rejected (not listed)', async () => {
    const members = `/v2/images/${ids.shared}/members`;
    const add = await h.call('POST', members, { body: { member: 'projB' } });
    assert.equal(add.statusCode, 200, add.body);
    const m = body(add);
    assert.deepEqual(Object.keys(m).sort(), ['created_at', 'image_id', 'member_id', 'schema', 'status', 'updated_at']);
    assert.equal(m.status, 'pending');
    assert.equal(m.member_id, 'projB');
    assert.equal((await h.call('POST', members, { body: { member: 'projB' } })).statusCode, 409);
    // Pending: visible by id, listed only with member_status.
    assert.equal((await h.call('GET', `/v2/images/${ids.shared}`, { token: BOB })).statusCode, 200);
    assert.ok(!(await names(BOB)).includes('a-shared'));
    assert.ok((await names(BOB, '?member_status=pending')).includes('a-shared'));
    assert.ok((await names(BOB, '?member_status=all')).includes('a-shared'));
    // The owner cannot accept for the member; the member can.
    assert.equal((await h.call('PUT', `${members}/projB`, { body: { status: 'accepted' } })).statusCode, 403);
    const accept = await h.call('PUT', `${members}/projB`, { token: BOB, body: { status: 'accepted' } });
    assert.equal(accept.statusCode, 200, accept.body);
    assert.equal(body(accept).status, 'accepted');
    assert.ok((await names(BOB)).includes('a-shared'));
    assert.equal((await h.call('PUT', `${members}/projB`, { token: BOB, body: { status: 'maybe' } })).statusCode, 400);
    assert.equal((await h.call('PUT', `${members}/projB`, { token: BOB, body: { status: 'rejected' } })).statusCode, 200);
    assert.ok(!(await names(BOB)).includes('a-shared'));
    // The member sees only its own membership and cannot add others or change the image.
    await h.call('POST', members, { body: { member: 'projC' } });
    const seen = body<{ members: { member_id: string }[]; schema: string }>(await h.call('GET', members, { token: BOB }));
    assert.deepEqual(
      seen.members.map((x) => x.member_id),
      ['projB'],
    );
    assert.equal(seen.schema, '/v2/schemas/members');
    assert.equal(body<{ members: unknown[] }>(await h.call('GET', members)).members.length, 2);
    assert.equal((await h.call('POST', members, { token: BOB, body: { member: 'projD' } })).statusCode, 403);
    assert.equal((await h.call('DELETE', `${members}/projC`, { token: BOB })).statusCode, 403);
    assert.equal((await h.call('DELETE', `${members}/projC`)).statusCode, 204);
    assert.equal((await h.call('GET', `${members}/projC`)).statusCode, 404);
    // Members exist only for shared images; bad bodies are 400.
    assert.equal((await h.call('POST', `/v2/images/${ids.private}/members`, { body: { member: 'projB' } })).statusCode, 403);
    assert.equal((await h.call('POST', members, { body: {} })).statusCode, 400);
    assert.equal((await h.call('POST', members, { body: { member: '' } })).statusCode, 400);
    assert.equal((await h.call('POST', members, { body: ['projB'] })).statusCode, 400);
  });
});
