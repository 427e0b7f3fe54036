import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('verifies the password it hashed, and no other', async () => {
    const stored = await hashPassword('s3cret');
    assert.match(stored, /^scrypt\$16384\$8\$1\$/);
    assert.equal(await verifyPassword('s3cret', stored), true);
    assert.equal(await verifyPassword('wrong', stored), false);
    assert.equal(await verifyPassword('s3cret', null), false);
    assert.equal(await verifyPassword('s3cret', 'plain'), false);
  });

  it('checks a password verified lately without scrypt; a wrong one, or the old one after a change, still fails', async () => {
    const stored = await hashPassword('again');
    assert.equal(await verifyPassword('again', stored), true);
    const t = performance.now();
    for (let i = 0; i < 20; i++) assert.equal(await verifyPassword('again', stored), true);
    assert.ok(performance.now() - t < 200, 'twenty repeated checks take less than a few scrypt runs');
    assert.equal(await verifyPassword('Again', stored), false);
    const changed = await hashPassword('new');
    assert.equal(await verifyPassword('again', changed), false);
    assert.equal(await verifyPassword('new', changed), true);
  });
});
