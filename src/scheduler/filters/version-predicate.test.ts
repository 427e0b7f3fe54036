import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { satisfiesVersion, versionIntToString } from './version-predicate.ts';

describe('hypervisor version constraints', () => {
  it('converts version integers as oslo convert_version_to_str does', () => {
    assert.equal(versionIntToString(8002001), '8.2.1');
    assert.equal(versionIntToString(6000000), '6.0.0');
    assert.equal(versionIntToString(1000), '1.0');
    assert.equal(versionIntToString(4002), '4.2');
    assert.equal(versionIntToString(9145010), '9.145.10');
    assert.equal(versionIntToString(0), '0');
  });
  it('compares numerically, padding with zeros', () => {
    assert.equal(satisfiesVersion('6.0.0', '>=6.0'), true);
    assert.equal(satisfiesVersion('5.99.9', '>=6.0'), false);
    assert.equal(satisfiesVersion('10.0', '>=9.1'), true);
    assert.equal(satisfiesVersion('6.0', '==6.0.0'), true);
    assert.equal(satisfiesVersion('6.0.1', '==6.0'), false);
    assert.equal(satisfiesVersion('6.0.1', '!=6.0'), true);
    assert.equal(satisfiesVersion('6.0', '>6.0'), false);
    assert.equal(satisfiesVersion('6.0', '<=6.0'), true);
    assert.equal(satisfiesVersion('6.0', '<6.0'), false);
  });
  it('requires every comma-separated clause', () => {
    assert.equal(satisfiesVersion('8.2.1', '>= 8.0, < 9'), true);
    assert.equal(satisfiesVersion('9.0.0', '>= 8.0, < 9'), false);
  });
  it('treats a malformed constraint as unsatisfiable', () => {
    assert.equal(satisfiesVersion('8.2.1', 'latest'), false);
    assert.equal(satisfiesVersion('8.2.1', '~>8'), false);
  });
});
