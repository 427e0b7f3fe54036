import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { until } from '../support/procs.ts';
import { type Json, volumeCloud } from '../support/volume-cli.ts';

/**
 * The unmodified `openstack` client and the snapshot of a volume-backed
 * server (a cloud of separate processes under Keystone, MariaDB, RabbitMQ,
 * nova-volume with its file driver and a fake compute host): `server image
 * create --wait` gives an active image whose properties hold the mappings
 * to a new volume snapshot; `server create --image <that image>` boots a
 * server whose root is a new volume made from the snapshot.
 */
describe('the openstack client: snapshot of a volume-backed server', () => {
  const v = volumeCloud();
  const os = (args: string[], expectOk = true) => v.cli.os(args, expectOk);
  const osJson = <T = Json>(args: string[]) => v.cli.osJson<T>(args);
  const volumeStatus = (name: string, status: string) => v.cli.volumeStatus(name, status);
  const until90 = <T>(what: string, fn: () => Promise<T | null>) => until(fn, 90_000, what, 500);

  it('server image create --wait of a server booted from a volume, then server create --image from that snapshot', async (t) => {
    if (v.skip) return t.skip(v.skip);
    await v.cli.rawImage('disk', 5, ['--property', 'os_distro=cirros']);
    await os(['volume', 'create', '--image', 'disk', '--size', '1', 'rootvol']);
    const rootvol = await volumeStatus('rootvol', 'available');
    const vm = await osJson<Json>(['server', 'create', '--volume', 'rootvol', '--flavor', 'm1.tiny', '--wait', 'vb1']);
    assert.equal(vm.status, 'ACTIVE');

    const created = await osJson<Json>(['server', 'image', 'create', '--name', 'vbsnap', '--wait', 'vb1']);
    assert.equal(created.status, 'active', JSON.stringify(created));
    const image = await osJson<Json>(['image', 'show', 'vbsnap']);
    assert.equal(image.size, 0);
    const props = image.properties as Json;
    assert.equal(props.bdm_v2, 'True', JSON.stringify(props));
    assert.equal(props.root_device_name, '/dev/vda');
    assert.equal(props.os_distro, 'cirros', 'inherited through the volume image metadata');
    const [mapping] = JSON.parse(String(props.block_device_mapping)) as Json[];
    assert.equal(mapping?.source_type, 'snapshot');
    assert.equal(mapping?.boot_index, 0);
    const snapshotId = String(mapping?.snapshot_id);
    const snap = await until90('snapshot available', async () => {
      const s = await osJson<Json>(['volume', 'snapshot', 'show', snapshotId]);
      return s.status === 'available' ? s : null;
    });
    assert.equal(snap.name, 'snapshot for vbsnap');
    assert.equal(snap.volume_id, rootvol.id);

    const clone = await osJson<Json>(['server', 'create', '--image', 'vbsnap', '--flavor', 'm1.tiny', '--wait', 'vb2']);
    assert.equal(clone.status, 'ACTIVE');
    const vols = await osJson<Json[]>(['volume', 'list', '--long']);
    const made = vols.find((v) => JSON.stringify(v['Attached to']).includes(String(clone.id)));
    assert.ok(made, `a volume attached to vb2: ${JSON.stringify(vols)}`);
    const madeShown = await osJson<Json>(['volume', 'show', String(made.ID)]);
    assert.equal(madeShown.snapshot_id, snapshotId);

    await os(['server', 'delete', '--wait', 'vb1', 'vb2']);
    await volumeStatus('rootvol', 'available');
    await volumeStatus(String(made.ID), 'available');
    await os(['volume', 'delete', String(made.ID)]);
    await until90('the clone volume deleted', async () => ((await os(['volume', 'show', String(made.ID)], false)).code !== 0 ? true : null));
    await os(['volume', 'snapshot', 'delete', snapshotId]);
    await until90('snapshot deleted', async () => ((await os(['volume', 'snapshot', 'show', snapshotId], false)).code !== 0 ? true : null));
    await os(['volume', 'delete', 'rootvol']);
    await os(['image', 'delete', 'vbsnap']);
  });
});
