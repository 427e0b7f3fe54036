import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectOneOf, oneOf } from './one-of.ts';

describe('oneOf', () => {
  const DIRS = ['asc', 'desc'] as const;

  it('is true for a choice, false for anything else', () => {
    assert.equal(oneOf(DIRS, 'asc'), true);
    assert.equal(oneOf(DIRS, 'desc'), true);
    assert.equal(oneOf(DIRS, 'ASC'), false);
    assert.equal(oneOf(DIRS, ''), false);
    assert.equal(oneOf(DIRS, undefined), false);
    assert.equal(oneOf(DIRS, null), false);
    assert.equal(oneOf(DIRS, ['asc']), false);
    assert.equal(oneOf([], 'asc'), false);
  });

  it('narrows the value to the union of the choices', () => {
    const raw: string | undefined = 'desc';
    const dir: (typeof DIRS)[number] | 'none' = oneOf(DIRS, raw) ? raw : 'none';
    assert.equal(dir, 'desc');
  });
});

describe('expectOneOf', () => {
  it('returns a choice as it is', () => {
    assert.equal(expectOneOf(['queued', 'active'], 'active', 'image status'), 'active');
  });

  it('throws an error naming what was read and what was expected', () => {
    assert.throws(() => expectOneOf(['queued', 'active'], 'bogus', 'image status'), { message: 'Unexpected image status "bogus": expected one of "queued", "active"' });
    assert.throws(() => expectOneOf(['public'], null, 'endpoint interface'), { message: 'Unexpected endpoint interface null: expected one of "public"' });
  });
});
