import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MismatchVolumeAZException, zoneForVolumes } from './volume-zones.ts';

it('cross_az_attach on, or no volumes: nothing to check', () => {
  assert.equal(zoneForVolumes(true, 'nova', 'az1', ['az2']), null);
  assert.equal(zoneForVolumes(false, 'nova', 'az1', []), null);
});

it("no zone asked for: the volumes' zone, unless it is the default zone", () => {
  assert.equal(zoneForVolumes(false, 'nova', null, ['az1', 'az1']), 'az1');
  assert.equal(zoneForVolumes(false, 'nova', null, ['nova']), null);
});

it("refuses as Nova's MismatchVolumeAZException: volumes of two zones, a server in another zone", () => {
  assert.throws(
    () => zoneForVolumes(false, 'nova', null, ['az1', 'az2']),
    (e: unknown) =>
      e instanceof MismatchVolumeAZException &&
      e.status === 400 &&
      e.message === 'The availability zone between the server and its attached volumes do not match: Volumes are in different availability zones: az1,az2.',
  );
  assert.throws(
    () => zoneForVolumes(false, 'nova', 'nova', ['az1']),
    (e: unknown) =>
      e instanceof MismatchVolumeAZException &&
      e.message ===
        'The availability zone between the server and its attached volumes do not match: Server and volumes are not in the same availability zone. Server is in: nova. Volumes are in: az1.',
  );
  assert.equal(zoneForVolumes(false, 'nova', 'az1', ['az1']), null);
});
