/**
 * Snapshots of an in-use volume across microversions (cinder/api/v3/
 * snapshots.py): before 3.66 only with force; from 3.66 without it, a true
 * force silently accepted and a false one refused with Cinder's text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, fault, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

describe('volume API: snapshots of an in-use volume (3.66)', () => {
  let h: VolumeHarness;
  before(async () => {
    h = await startVolumeApi();
  });
  after(async () => {
    await h?.close();
  });

  it('needs force before 3.66, not from 3.66, where force=false is a 400', async () => {
    const v = await h.volume();
    await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'in-use' } }, ADMIN);
    const snap = (body: Record<string, unknown>, version?: string) => h.call('POST', '/v3/snapshots', { snapshot: { volume_id: v.id, ...body } }, undefined, version);
    for (const [body, version] of [
      [{}, undefined],
      [{}, '3.65'],
      [{ force: false }, '3.65'],
    ] as const) {
      const r = await snap(body, version);
      assert.equal(r.status, 400, `${JSON.stringify(body)} at ${version}`);
      assert.equal(fault(r).message, `Invalid volume: Volume ${v.id} status must be available, but current status is: in-use.`);
    }
    assert.equal((await snap({ force: true }, '3.65')).status, 202);
    assert.equal((await snap({}, '3.66')).status, 202);
    assert.equal((await snap({ force: true }, '3.66')).status, 202);
    assert.equal((await snap({ force: 'true' }, 'latest')).status, 202);
    const refused = await snap({ force: false }, '3.66');
    assert.equal(refused.status, 400);
    assert.deepEqual(fault(refused), {
      name: 'badRequest',
      code: 400,
      message:
        "Since microversion 3.66 the 'force' flag is invalid for this request.  For backward compatability, however, when the 'force' flag is passed with a value evaluating to True, it is silently ignored.",
    });
    // A missing volume is still a 404 first.
    const missing = await h.call('POST', '/v3/snapshots', { snapshot: { volume_id: 'gone', force: false } }, undefined, '3.66');
    assert.equal(missing.status, 404);
    await h.idle();
    const listed = await h.call('GET', `/v3/snapshots?volume_id=${v.id}`);
    assert.equal(listed.body.snapshots.length, 4);
  });
});
