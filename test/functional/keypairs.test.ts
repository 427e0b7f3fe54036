import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ALICE, BOB, type Harness, json, policyMessage, startApi } from './harness.ts';
import { CERT_FINGERPRINT, CERT_PEM, KEYS } from './keypairs.fixtures.ts';

type Keypair = Record<string, unknown>;
const msg = (res: { body: string }) => (Object.values(JSON.parse(res.body) as Record<string, { message: string }>)[0] as { message: string }).message;
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('os-keypairs', () => {
  let h: Harness;
  before(async () => {
    h = await startApi();
  });
  after(async () => {
    await h.close();
  });

  it('imports OpenSSH keys of every supported type with the MD5 fingerprint Nova computes', async () => {
    for (const [name, k] of Object.entries(KEYS)) {
      const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: `imp-${name}`, public_key: k.key } } });
      assert.equal(res.statusCode, 201, name);
      const kp = json<{ keypair: Keypair }>(res).keypair;
      assert.deepEqual(Object.keys(kp), ['type', 'name', 'public_key', 'fingerprint', 'user_id']);
      assert.equal(kp.fingerprint, k.fingerprint, name);
      assert.equal(kp.type, 'ssh');
      assert.equal(kp.user_id, 'alice');
      assert.equal(kp.public_key, k.key);
    }
  });

  it('generates an RSA key before 2.92: PEM private key, "ssh-rsa … Generated-by-Nova"', async () => {
    const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'gen' } } });
    assert.equal(res.statusCode, 200, res.body);
    const kp = json<{ keypair: Keypair }>(res).keypair;
    assert.deepEqual(Object.keys(kp), ['private_key', 'name', 'public_key', 'fingerprint', 'user_id']);
    const pub = kp.public_key as string;
    assert.match(pub, /^ssh-rsa AAAAB3NzaC1yc2E[A-Za-z0-9+/=]+ Generated-by-Nova$/);
    assert.match(kp.private_key as string, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const blob = Buffer.from(pub.split(' ')[1] as string, 'base64');
    assert.equal(kp.fingerprint, createHash('md5').update(blob).digest('hex').match(/../g)?.join(':'));
    // The public key is the private key's.
    const jwk = createPrivateKey(kp.private_key as string).export({ format: 'jwk' });
    let off = 0;
    const field = () => {
      const len = blob.readUInt32BE(off);
      const v = blob.subarray(off + 4, off + 4 + len);
      off += 4 + len;
      return v;
    };
    assert.equal(field().toString(), 'ssh-rsa');
    assert.equal(field().toString('base64url'), jwk.e);
    const n = field();
    assert.equal((n[0] === 0 ? n.subarray(1) : n).toString('base64url'), jwk.n);
    assert.equal(off, blob.length);
    const again = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.91', body: { keypair: { name: 'gen2' } } });
    assert.equal(again.statusCode, 201);
    assert.equal(json<{ keypair: Keypair }>(again).keypair.type, 'ssh');
  });

  it('2.92 requires a public key and accepts @ and . in names', async () => {
    let res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.92', body: { keypair: { name: 'nokey' } } });
    assert.equal(res.statusCode, 400);
    assert.match(msg(res), /'public_key' is a required property/);
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.92', body: { keypair: { name: 'me@host.x', public_key: KEYS.ed25519.key } } });
    assert.equal(res.statusCode, 201);
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.91', body: { keypair: { name: 'me@host.y', public_key: KEYS.ed25519.key } } });
    assert.equal(res.statusCode, 400);
    assert.equal(msg(res), "An invalid 'name' value was provided. The name must be: Only expected characters: [_- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]");
  });

  it('x509: imports a certificate (SHA-1 fingerprint) and generates one with openssl', { skip: !hasOpenssl && 'openssl is not installed' }, async () => {
    let res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: 'cert', type: 'x509', public_key: CERT_PEM } } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(json<{ keypair: Keypair }>(res).keypair.fingerprint, CERT_FINGERPRINT);
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: 'gencert', type: 'x509' } } });
    assert.equal(res.statusCode, 201, res.body);
    const kp = json<{ keypair: Keypair }>(res).keypair;
    assert.match(kp.public_key as string, /^-----BEGIN CERTIFICATE-----/);
    assert.match(kp.private_key as string, /^[A-Za-z0-9+/]+=*$/);
    assert.match(kp.fingerprint as string, /^([0-9a-f]{2}:){19}[0-9a-f]{2}$/);
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: 'badcert', type: 'x509', public_key: 'not a cert' } } });
    assert.equal(res.statusCode, 400);
    assert.match(msg(res), /^Keypair data is invalid: failed to generate X509 fingerprint\. Error message: /);
  });

  it('rejects invalid public keys and names with 400', async () => {
    const rsaBody = KEYS.rsa.key.split(' ')[1] as string;
    const bad = ['ssh-rsa', 'garbage', '', `ssh-ed25519 ${rsaBody}`, `ssh-rsa ${rsaBody.slice(0, 40)}`, `ssh-rsa ${rsaBody}AAAA`, `ssh-foo ${rsaBody}`, 'ssh-rsa !!!notbase64!!!'];
    for (const public_key of bad) {
      const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'bad', public_key } } });
      assert.equal(res.statusCode, 400, public_key);
      assert.deepEqual(json(res), { badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' } }, public_key);
    }
    const names: [unknown, RegExp][] = [
      ['', /field\/attribute name\..*is too short/],
      ['x'.repeat(256), /field\/attribute name\..*is too long/],
      [' lead', /printable characters\. Can not start or end with whitespace/],
      ['a/b', /Only expected characters/],
      [42, /field\/attribute name\..*is not of type 'string'/],
    ];
    for (const [name, re] of names) {
      const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name, public_key: KEYS.rsa.key } } });
      assert.equal(res.statusCode, 400, String(name));
      assert.match(msg(res), re);
    }
    for (const body of [{}, { keypair: 'x' }, { keypair: { name: 'a', type: 'ssh' } }, { keypair: { name: 'a', type: 'pgp' } }, { keypair: { name: 'a', user_id: 'bob' } }]) {
      const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.1', body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
    }
    const typed = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: 'a', type: 'pgp' } } });
    assert.match(msg(typed), /field\/attribute type\..*is not one of \['ssh', 'x509'\]/);
  });

  it('409 on a duplicate name', async () => {
    const res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'imp-rsa', public_key: KEYS.rsa.key } } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(json(res), { conflictingRequest: { code: 409, message: "Key pair 'imp-rsa' already exists." } });
  });

  it('GET /os-keypairs: by name, type from 2.2, paging from 2.35', async () => {
    let res = await h.call('GET', '/v2.1/os-keypairs', { token: ALICE });
    const list = json<{ keypairs: { keypair: Keypair }[] }>(res).keypairs;
    const names = list.map((k) => k.keypair.name as string);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(Object.keys(list[0]?.keypair ?? {}), ['name', 'public_key', 'fingerprint']);
    res = await h.call('GET', '/v2.1/os-keypairs?limit=2', { token: ALICE, version: '2.35' });
    const page = json<{ keypairs: { keypair: Keypair }[]; keypairs_links: { href: string }[] }>(res);
    assert.deepEqual(Object.keys(page.keypairs[0]?.keypair ?? {}), ['name', 'public_key', 'fingerprint', 'type']);
    assert.equal(page.keypairs.length, 2);
    assert.deepEqual(page.keypairs_links, [{ rel: 'next', href: `http://localhost:80/v2.1/os-keypairs?limit=2&marker=${names[1]}` }]);
    res = await h.call('GET', `/v2.1/os-keypairs?limit=2&marker=${names[1]}`, { token: ALICE, version: '2.35' });
    assert.deepEqual(
      json<{ keypairs: { keypair: Keypair }[] }>(res).keypairs.map((k) => k.keypair.name),
      names.slice(2, 4),
    );
    res = await h.call('GET', '/v2.1/os-keypairs?marker=nope', { token: ALICE, version: '2.35' });
    assert.deepEqual(json(res), { badRequest: { code: 400, message: 'Marker nope could not be found.' } });
    res = await h.call('GET', '/v2.1/os-keypairs?limit=-5', { token: ALICE, version: '2.35' });
    assert.equal(res.statusCode, 400);
    res = await h.call('GET', '/v2.1/os-keypairs?sort=name', { token: ALICE, version: '2.75' });
    assert.equal(msg(res), "Additional properties are not allowed ('sort' was unexpected)");
    // Bob sees none of Alice's.
    res = await h.call('GET', '/v2.1/os-keypairs', { token: BOB });
    assert.deepEqual(json(res), { keypairs: [] });
  });

  it('GET /os-keypairs/{name}: the show fields; 404 for another user', async () => {
    let res = await h.call('GET', '/v2.1/os-keypairs/imp-rsa', { token: ALICE, version: '2.2' });
    assert.equal(res.statusCode, 200);
    const kp = json<{ keypair: Keypair }>(res).keypair;
    assert.deepEqual(Object.keys(kp), ['name', 'public_key', 'fingerprint', 'user_id', 'created_at', 'deleted', 'deleted_at', 'id', 'updated_at', 'type']);
    assert.equal(kp.deleted, false);
    assert.equal(kp.deleted_at, null);
    assert.match(kp.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(typeof kp.id, 'number');
    res = await h.call('GET', '/v2.1/os-keypairs/imp-rsa', { token: BOB });
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Keypair imp-rsa not found for user bob' } });
  });

  it('user_id (2.10+): admins act for other users, others get 403', async () => {
    let res = await h.call('POST', '/v2.1/os-keypairs', { version: '2.10', body: { keypair: { name: 'for-bob', public_key: KEYS.ed25519.key, user_id: 'bob' } } });
    assert.equal(res.statusCode, 201);
    assert.equal(json<{ keypair: Keypair }>(res).keypair.user_id, 'bob');
    res = await h.call('GET', '/v2.1/os-keypairs/for-bob', { token: BOB, version: '2.10' });
    assert.equal(res.statusCode, 200);
    res = await h.call('GET', '/v2.1/os-keypairs?user_id=bob', { version: '2.10' });
    assert.equal(json<{ keypairs: unknown[] }>(res).keypairs.length, 1);
    res = await h.call('GET', '/v2.1/os-keypairs?user_id=bob', { token: ALICE, version: '2.10' });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-keypairs:index') } });
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.10', body: { keypair: { name: 'sneaky', public_key: KEYS.rsa.key, user_id: 'bob' } } });
    assert.deepEqual(json(res), { forbidden: { code: 403, message: policyMessage('os_compute_api:os-keypairs:create') } });
    res = await h.call('DELETE', '/v2.1/os-keypairs/for-bob?user_id=bob', { token: ALICE, version: '2.10' });
    assert.equal(res.statusCode, 403);
    res = await h.call('GET', '/v2.1/os-keypairs/for-bob?user_id=bob', { token: ALICE, version: '2.10' });
    assert.equal(res.statusCode, 403);
    // Before 2.10 user_id is ignored: the caller's own key pairs.
    res = await h.call('GET', '/v2.1/os-keypairs?user_id=bob', { token: ALICE, version: '2.9' });
    assert.equal(res.statusCode, 200);
    res = await h.call('DELETE', '/v2.1/os-keypairs/for-bob?user_id=bob', { version: '2.10' });
    assert.equal(res.statusCode, 204);
  });

  it('DELETE: 202 at 2.1, 204 from 2.2, 404 when missing', async () => {
    let res = await h.call('DELETE', '/v2.1/os-keypairs/gen', { token: ALICE });
    assert.equal(res.statusCode, 202);
    res = await h.call('DELETE', '/v2.1/os-keypairs/gen2', { token: ALICE, version: '2.2' });
    assert.equal(res.statusCode, 204);
    res = await h.call('DELETE', '/v2.1/os-keypairs/gen2', { token: ALICE, version: '2.2' });
    assert.deepEqual(json(res), { itemNotFound: { code: 404, message: 'Keypair gen2 not found for user alice' } });
    // The name is free again.
    res = await h.call('POST', '/v2.1/os-keypairs', { token: ALICE, version: '2.2', body: { keypair: { name: 'gen2', public_key: KEYS.rsa.key } } });
    assert.equal(res.statusCode, 201);
  });

  it('key_pairs quota: 403 "Quota exceeded, too many key pairs."', async () => {
    const q = await startApi({ quota: { key_pairs: '1' } });
    try {
      let res = await q.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'one', public_key: KEYS.rsa.key } } });
      assert.equal(res.statusCode, 200);
      res = await q.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'two', public_key: KEYS.rsa.key } } });
      assert.equal(res.statusCode, 403);
      assert.deepEqual(json(res), { forbidden: { code: 403, message: 'Quota exceeded, too many key pairs.' } });
      // Per project override (admin), then it fits.
      await q.call('PUT', '/v2.1/os-quota-sets/projA', { body: { quota_set: { key_pairs: 2 } } });
      res = await q.call('POST', '/v2.1/os-keypairs', { token: ALICE, body: { keypair: { name: 'two', public_key: KEYS.rsa.key } } });
      assert.equal(res.statusCode, 200);
    } finally {
      await q.close();
    }
  });
});
