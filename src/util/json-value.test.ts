import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPlainObject, isStringArray } from './json-value.ts';

describe('JSON value guards', () => {
  it('isPlainObject: objects only, not null or arrays', () => {
    assert.equal(isPlainObject({}), true);
    assert.equal(isPlainObject({ a: 1 }), true);
    assert.equal(isPlainObject(null), false);
    assert.equal(isPlainObject([]), false);
    assert.equal(isPlainObject('x'), false);
    assert.equal(isPlainObject(undefined), false);
  });

  it('isStringArray: arrays whose every item is a string', () => {
    assert.equal(isStringArray([]), true);
    assert.equal(isStringArray(['a', 'b']), true);
    assert.equal(isStringArray(['a', 1]), false);
    assert.equal(isStringArray('a'), false);
    assert.equal(isStringArray({ 0: 'a', length: 1 }), false);
  });
});
