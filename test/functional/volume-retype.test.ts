/**
 * os-retype (cinder/api/contrib/volume_actions.py, volume/api.py retype):
 * by a type's name or id, available or in-use, back to its status with the
 * new type; Cinder's refusals (the same type, a wrong status, a missing
 * type, a bad migration policy, no new_type).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, fault, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

const REFUSED =
  'Invalid volume: Retype needs volume to be in available or in-use state, not be part of an active migration or a consistency group, requested type has to be different that the one from the volume, and for in-use volumes front-end qos specs cannot change.';

describe('volume API: retype', () => {
  let h: VolumeHarness;
  before(async () => {
    h = await startVolumeApi();
  });
  after(async () => {
    await h?.close();
  });

  it('changes the type of an available or in-use volume; refuses as Cinder does', async () => {
    const fast = (await h.call('POST', '/v3/types', { volume_type: { name: 'fast' } }, ADMIN)).body.volume_type;
    const v = await h.volume();
    const retype = (arg: unknown) => h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-retype': arg });
    const shown = async () => (await h.call('GET', `/v3/volumes/${v.id}`)).body.volume;

    assert.equal((await retype({ new_type: 'fast', migration_policy: 'never' })).status, 202);
    await h.idle();
    assert.deepEqual([(await shown()).status, (await shown()).volume_type], ['available', 'fast']);
    const same = await retype({ new_type: fast.id });
    assert.deepEqual(fault(same), { name: 'badRequest', code: 400, message: REFUSED });

    await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'in-use' } }, ADMIN);
    assert.equal((await retype({ new_type: '__DEFAULT__', migration_policy: 'on-demand' })).status, 202);
    await h.idle();
    assert.deepEqual([(await shown()).status, (await shown()).volume_type], ['in-use', '__DEFAULT__']);

    await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'error' } }, ADMIN);
    assert.equal(fault(await retype({ new_type: 'fast' })).message, REFUSED);
    await h.call('POST', `/v3/volumes/${v.id}/action`, { 'os-reset_status': { status: 'available' } }, ADMIN);
    const missing = await retype({ new_type: 'nope' });
    assert.deepEqual([missing.status, fault(missing).message], [404, 'Volume type with name nope could not be found.']);
    const gone = '00000000-0000-4000-8000-000000000000';
    assert.equal(fault(await retype({ new_type: gone })).message, `Volume type ${gone} could not be found.`);
    assert.equal((await retype({ new_type: 'fast', migration_policy: 'sometimes' })).status, 400);
    assert.equal((await retype({})).status, 400);
    assert.equal((await shown()).volume_type, '__DEFAULT__');
  });
});
