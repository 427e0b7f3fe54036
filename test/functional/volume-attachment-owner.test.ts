/**
 * An attachment belongs to its volume's project, whoever made it (Cinder's
 * VolumeAttachment.project_id is its volume's, the attachment list filters
 * by the volume's project): one an admin makes for a project's volume (as
 * nova-compute does with the admin's context when an admin live-migrates
 * a server) is listed, shown and deleted by the volume's owner, not by
 * another project; the admin's own project lists none of it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, ALICE, BOB, startVolumeApi, type VolumeHarness } from './volume-harness.ts';

describe('volume attachments made by an admin belong to the volume project', () => {
  let h: VolumeHarness;
  before(async () => {
    h = await startVolumeApi();
  });
  after(() => h?.close());

  it("the owner lists, shows and deletes an attachment an admin made for the owner's volume", async () => {
    const v = await h.volume();
    const server = '11111111-2222-3333-4444-555555555555';
    const made = await h.call('POST', '/v3/attachments', { attachment: { volume_uuid: v.id, instance_uuid: server, connector: { host: 'cmp2', ip: '10.0.0.6' } } }, ADMIN, '3.44');
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const id = String(made.body.attachment.id);
    assert.equal((await h.call('POST', `/v3/attachments/${id}/action`, { 'os-complete': null }, ADMIN, '3.44')).status, 204);

    const listed = await h.call('GET', `/v3/attachments?volume_id=${v.id}`, undefined, ALICE, '3.44');
    assert.deepEqual(listed.body.attachments, [{ id, status: 'attached', instance: server, volume_id: v.id }]);
    assert.equal((await h.call('GET', `/v3/attachments/${id}`, undefined, ALICE, '3.44')).status, 200);
    assert.deepEqual((await h.call('GET', '/v3/attachments', undefined, ADMIN, '3.44')).body.attachments, [], "none in the admin's own project");
    assert.deepEqual((await h.call('GET', '/v3/attachments?all_tenants=1', undefined, ADMIN, '3.44')).body.attachments.length, 1);
    assert.deepEqual((await h.call('GET', '/v3/attachments', undefined, BOB, '3.44')).body.attachments, []);
    assert.equal((await h.call('GET', `/v3/attachments/${id}`, undefined, BOB, '3.44')).status, 404);

    const gone = await h.call('DELETE', `/v3/attachments/${id}`, undefined, ALICE, '3.44');
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
    assert.deepEqual(gone.body, { attachments: [] });
    assert.equal((await h.call('GET', `/v3/volumes/${v.id}`)).body.volume.status, 'available');
  });
});
