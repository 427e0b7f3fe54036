import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AvailabilityZoneFilter } from './availability-zone-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('AvailabilityZoneFilter', () => {
  const filter = new AvailabilityZoneFilter();

  it('is named as in Nova and does not run on rebuild', () => {
    assert.equal(filter.name, 'AvailabilityZoneFilter');
    assert.equal(filter.runOnRebuild, false);
  });
  it('passes every host when no zone is requested', () => {
    const spec = fakeSpec({ availability_zone: null });
    assert.equal(filter.hostPasses(fakeHost({ availabilityZone: 'nova' }), spec), true);
    assert.equal(filter.hostPasses(fakeHost({ availabilityZone: 'az2' }), spec), true);
  });
  it('passes a host in the requested zone', () => {
    assert.equal(filter.hostPasses(fakeHost({ availabilityZone: 'az2' }), fakeSpec({ availability_zone: 'az2' })), true);
  });
  it('rejects a host in another zone', () => {
    assert.equal(filter.hostPasses(fakeHost({ availabilityZone: 'nova' }), fakeSpec({ availability_zone: 'az2' })), false);
  });
  it('compares zone names exactly', () => {
    assert.equal(filter.hostPasses(fakeHost({ availabilityZone: 'AZ2' }), fakeSpec({ availability_zone: 'az2' })), false);
  });
});
