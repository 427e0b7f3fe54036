import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeFilter } from './compute-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('ComputeFilter', () => {
  const filter = new ComputeFilter();
  const spec = fakeSpec();

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'ComputeFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes an enabled host whose service is up', () => {
    assert.equal(filter.hostPasses(fakeHost(), spec), true);
  });
  it('rejects a disabled service', () => {
    assert.equal(filter.hostPasses(fakeHost({ service: { disabled: true, disabledReason: 'maintenance' } }), spec), false);
  });
  it('rejects a forced-down service even if its heartbeat is recent', () => {
    assert.equal(filter.hostPasses(fakeHost({ service: { forcedDown: true, up: true } }), spec), false);
  });
  it('rejects a service that is down', () => {
    assert.equal(filter.hostPasses(fakeHost({ service: { up: false } }), spec), false);
  });
});
