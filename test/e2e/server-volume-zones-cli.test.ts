import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refused, volumeCloud } from '../support/volume-cli.ts';

/**
 * `[cinder] cross_az_attach = False` end to end: separate processes under
 * Keystone (MariaDB, RabbitMQ), nova-volume (file driver) in zone az1
 * (storage_availability_zone), two fake compute hosts, compute-1 in an
 * aggregate of zone az1 and compute-2 in the default zone, the unmodified
 * `openstack` and `nova` clients: attaching the volume to a server of the
 * other zone fails as Nova's InvalidVolume, to one of the same zone works;
 * booting from it in the other zone fails as Nova's
 * MismatchVolumeAZException, without a zone the server lands in az1.
 */
describe('the openstack and nova clients: cross_az_attach = False against nova-volume', () => {
  const v = volumeCloud({ computes: 2, conf: { cinder: { cross_az_attach: false }, volume_server: { storage_availability_zone: 'az1' } } });

  it('attach and boot across zones refused as Nova does, the same zone works', async (t) => {
    if (v.skip) return t.skip(v.skip);
    const c = v.cli;
    await c.rawImage('disk', 7);
    await c.os(['aggregate', 'create', '--zone', 'az1', 'z1']);
    await c.os(['aggregate', 'add', 'host', 'z1', 'compute-1']);
    await c.os(['volume', 'create', '--size', '1', 'data']);
    const data = await c.volumeStatus('data', 'available');
    assert.equal(data.availability_zone, 'az1');

    const inNova = await c.osJson(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--availability-zone', 'nova', '--wait', 'vm-nova']);
    const inAz1 = await c.osJson(['server', 'create', '--image', 'disk', '--flavor', 'm1.tiny', '--availability-zone', 'az1', '--wait', 'vm-az1']);
    assert.equal(inNova['OS-EXT-AZ:availability_zone'], 'nova');
    assert.equal(inAz1['OS-EXT-AZ:availability_zone'], 'az1');
    refused(
      await c.nova(['volume-attach', 'vm-nova', String(data.id)], false),
      400,
      `Invalid volume: Instance ${inNova.id} and volume ${data.id} are not in the same availability_zone. Instance is in nova. Volume is in az1`,
    );
    assert.equal((await c.osJson(['volume', 'show', 'data'])).status, 'available', 'nothing reserved');
    await c.os(['server', 'add', 'volume', 'vm-az1', 'data']);
    await c.volumeStatus('data', 'in-use');
    await c.os(['server', 'remove', 'volume', 'vm-az1', 'data']);
    await c.volumeStatus('data', 'available');

    await c.os(['volume', 'create', '--image', 'disk', '--size', '1', 'bootvol']);
    await c.volumeStatus('bootvol', 'available');
    refused(
      await c.os(['server', 'create', '--volume', 'bootvol', '--flavor', 'm1.tiny', '--availability-zone', 'nova', 'vm-x'], false),
      400,
      'The availability zone between the server and its attached volumes do not match: Server and volumes are not in the same availability zone. Server is in: nova. Volumes are in: az1.',
    );
    assert.equal((await c.osJson(['volume', 'show', 'bootvol'])).status, 'available', 'nothing reserved');
    const bfv = await c.osJson(['server', 'create', '--volume', 'bootvol', '--flavor', 'm1.tiny', '--wait', 'vm-bfv']);
    assert.equal(bfv.status, 'ACTIVE');
    assert.equal(bfv['OS-EXT-AZ:availability_zone'], 'az1', "no zone asked: the volume's");
    assert.equal(bfv['OS-EXT-SRV-ATTR:host'], 'compute-1');

    await c.os(['server', 'delete', '--wait', 'vm-nova', 'vm-az1', 'vm-bfv']);
    await c.volumeStatus('bootvol', 'available');
    await c.os(['volume', 'delete', 'data', 'bootvol']);
  });
});
