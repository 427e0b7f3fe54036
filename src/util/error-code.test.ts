import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { errorCode } from './error-code.ts';

describe('errorCode', () => {
  it("is a Node errno error's code", () => {
    let caught: unknown;
    try {
      fs.readFileSync('/nonexistent/nova-ts/error-code');
    } catch (e) {
      caught = e;
    }
    assert.equal(errorCode(caught), 'ENOENT');
  });

  it('is the string code of any object (database driver errors)', () => {
    assert.equal(errorCode(Object.assign(new Error('dup'), { code: 'ER_DUP_ENTRY' })), 'ER_DUP_ENTRY');
    assert.equal(errorCode({ code: 'SQLITE_CONSTRAINT_UNIQUE' }), 'SQLITE_CONSTRAINT_UNIQUE');
  });

  it('is undefined without a string code', () => {
    assert.equal(errorCode(new Error('plain')), undefined);
    assert.equal(errorCode({ code: 1062 }), undefined);
    assert.equal(errorCode(null), undefined);
    assert.equal(errorCode(undefined), undefined);
    assert.equal(errorCode('ENOENT'), undefined);
  });
});
