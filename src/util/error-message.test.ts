import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { errorMessage } from './error-message.ts';

describe('errorMessage', () => {
  it("is an Error's message", () => {
    assert.equal(errorMessage(new Error('disk full')), 'disk full');
    assert.equal(errorMessage(new TypeError('')), '');
  });

  it("is an object's string message (errors from other realms, plain rejections)", () => {
    assert.equal(errorMessage({ message: 'aborted', code: 'ECONNRESET' }), 'aborted');
  });

  it('is the value as a string otherwise', () => {
    assert.equal(errorMessage('boom'), 'boom');
    assert.equal(errorMessage(42), '42');
    assert.equal(errorMessage(null), 'null');
    assert.equal(errorMessage(undefined), 'undefined');
    assert.equal(errorMessage({ message: 7 }), '[object Object]');
  });
});
