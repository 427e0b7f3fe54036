import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Json, volumeCloud } from '../support/volume-cli.ts';

/**
 * The unmodified `openstack` client, a cloud of separate processes under
 * Keystone (MariaDB, RabbitMQ) with nova-volume (file driver, NBD exports
 * by qemu-storage-daemon) and a fake compute host, nova reaching the volume
 * service through the catalog as the cinder service user: server add
 * volume (the volume in-use, attached to the server), its delete refused,
 * server remove volume (available again); server create --volume (boot
 * from a bootable volume) and --boot-from-volume (an image to a new
 * volume), and the deletes leaving the volumes available.
 */
describe('the openstack client: server volumes against nova-volume', () => {
  const v = volumeCloud();
  const os = (args: string[], expectOk = true) => v.cli.os(args, expectOk);
  const osJson = <T = Json>(args: string[]) => v.cli.osJson<T>(args);
  const volumeStatus = (name: string, status: string) => v.cli.volumeStatus(name, status);

  it('attaches and detaches a volume, boots from volumes, and the deletes give them back', async (t) => {
    if (v.skip) return t.skip(v.skip);
    await v.cli.rawImage('disk', 3);
    await os(['volume', 'create', '--size', '1', 'data']);
    const data = await volumeStatus('data', 'available');
    const vm = await osJson<Json>(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--wait', 'vm1']);
    assert.equal(vm.status, 'ACTIVE');

    await os(['server', 'add', 'volume', 'vm1', 'data']);
    const used = await volumeStatus('data', 'in-use');
    assert.match(JSON.stringify(used.attachments), new RegExp(String(vm.id)));
    const shown = await osJson<Json>(['server', 'show', 'vm1']);
    assert.match(JSON.stringify(shown.volumes_attached), new RegExp(String(data.id)));
    const refused = await os(['volume', 'delete', 'data'], false);
    assert.notEqual(refused.code, 0, 'an attached volume cannot be deleted');
    await os(['server', 'remove', 'volume', 'vm1', 'data']);
    await volumeStatus('data', 'available');

    // Boot from a volume made from the image (bootable).
    await os(['volume', 'create', '--image', 'disk', '--size', '1', 'bootvol']);
    const bootvol = await volumeStatus('bootvol', 'available');
    assert.equal(String(bootvol.bootable), 'true');
    const bfv = await osJson<Json>(['server', 'create', '--volume', 'bootvol', '--flavor', 'm1.tiny', '--wait', 'vm2']);
    assert.equal(bfv.status, 'ACTIVE');
    await volumeStatus('bootvol', 'in-use');

    // An image copied to a new volume by nova.
    const img = await osJson<Json>(['server', 'create', '--image', 'disk', '--boot-from-volume', '1', '--flavor', 'm1.tiny', '--wait', 'vm3']);
    assert.equal(img.status, 'ACTIVE');
    const vols = await osJson<Json[]>(['volume', 'list', '--long']);
    const made = vols.find((v) => JSON.stringify(v['Attached to']).includes(String(img.id)));
    assert.ok(made, `a volume attached to vm3: ${JSON.stringify(vols)}`);

    await os(['server', 'delete', '--wait', 'vm1', 'vm2', 'vm3']);
    await volumeStatus('bootvol', 'available');
    await volumeStatus(String(made.ID), 'available');
    await os(['volume', 'delete', 'data', 'bootvol', String(made.ID)]);
  });
});
