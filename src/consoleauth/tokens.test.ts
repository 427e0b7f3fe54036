import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiresAt, hashToken, newToken, nowSeconds, wellFormedToken } from './tokens.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('console tokens', () => {
  it("are random UUIDs, as Nova's, all different", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const t = newToken();
      assert.match(t, UUID);
      seen.add(t);
    }
    assert.equal(seen.size, 200);
  });

  it('are stored as their SHA-256 in hex', () => {
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const t = newToken();
    assert.equal(hashToken(t), hashToken(t));
    assert.notEqual(hashToken(t), hashToken(newToken()));
  });

  it('are recognised by shape before any look-up', () => {
    assert.ok(wellFormedToken(newToken()));
    assert.ok(wellFormedToken('2a1b2e6c-1f3e-4b6e-9d0a-3c1d2e4f5a6b'), "Nova's UUID tokens");
    for (const bad of ['', 'short', 'x'.repeat(129), 'has space in it 0123456', 'semi;colon0123456789', 42, null, undefined])
      assert.equal(wellFormedToken(bad), false, String(bad));
  });

  it('expire token_ttl seconds after they are issued', () => {
    const now = nowSeconds(Date.parse('2030-01-01T00:00:00.900Z'));
    assert.equal(now, Date.parse('2030-01-01T00:00:00Z') / 1000);
    assert.equal(expiresAt(now, 600), now + 600);
  });
});
