import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { VolumeBDMNotFound } from '../../exception/volume.ts';
import { newBdm } from '../../objects/block-device.ts';
import { type Db, openDatabase } from '../connection.ts';
import { syncSchema } from '../migrate.ts';
import { BlockDeviceMappingRepository } from './block-devices.ts';

describe('BlockDeviceMappingRepository', () => {
  let db: Db;
  let repo: BlockDeviceMappingRepository;
  before(async () => {
    db = await openDatabase('sqlite://');
    await syncSchema(db);
    repo = new BlockDeviceMappingRepository(db);
  });
  after(() => db.close());

  it('creates, finds by volume, updates and soft deletes', async () => {
    const b = await repo.create(newBdm('i1', { source_type: 'volume', destination_type: 'volume', volume_id: 'v1', delete_on_termination: true, tag: 't' }));
    assert.equal(b.delete_on_termination, true);
    assert.equal(b.connection_info, null);
    assert.match(b.uuid, /^[0-9a-f-]{36}$/);
    const u = await repo.update(b.uuid, { attachment_id: 'a1', connection_info: { driver_volume_type: 'nbd', data: { port: 1 } }, device_name: '/dev/vdb' });
    assert.deepEqual(u.connection_info, { driver_volume_type: 'nbd', data: { port: 1 } });
    assert.equal((await repo.getByVolume('i1', 'v1')).attachment_id, 'a1');
    await repo.create(newBdm('i2', { source_type: 'image', destination_type: 'local', boot_index: 0, image_id: 'img' }));
    assert.equal((await repo.listByInstances(['i1', 'i2'])).length, 2);
    await repo.destroy(b.uuid);
    assert.deepEqual(await repo.listByInstance('i1'), []);
    await assert.rejects(repo.getByVolume('i1', 'v1'), VolumeBDMNotFound);
  });
});
