import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SameHostFilter } from './same-host-filter.ts';
import { fakeHost, fakeSpec, wireHints } from './testing.ts';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';
const C = 'cccccccc-0000-4000-8000-000000000003';

describe('SameHostFilter', () => {
  const filter = new SameHostFilter();
  const withA = fakeHost({ instanceUuids: [A] });
  const withB = fakeHost({ instanceUuids: [B, C] });
  const empty = fakeHost();

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'SameHostFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes every host without the hint or with an empty one', () => {
    for (const hints of [{}, { same_host: [] }, { same_host: '' }]) {
      assert.equal(filter.hostPasses(empty, fakeSpec({ scheduler_hints: wireHints(hints) })), true);
    }
  });
  it('accepts a single uuid as a string', () => {
    const spec = fakeSpec({ scheduler_hints: wireHints({ same_host: A }) });
    assert.equal(filter.hostPasses(withA, spec), true);
    assert.equal(filter.hostPasses(withB, spec), false);
    assert.equal(filter.hostPasses(empty, spec), false);
  });
  it('passes a host that has at least one of a list of instances', () => {
    const spec = fakeSpec({ scheduler_hints: { same_host: [A, C] } });
    assert.equal(filter.hostPasses(withA, spec), true);
    assert.equal(filter.hostPasses(withB, spec), true);
    assert.equal(filter.hostPasses(empty, spec), false);
  });
});
