/**
 * The volume cases of the driver contract (attachVolume and detachVolume:
 * Nova's attach_volume / detach_volume), run by moveCases on the suite's
 * guest: a volume attached to the running guest and detached while it runs
 * on (detach idempotent), also on a shut-off guest, which stays off; a guest
 * the driver does not have is InstanceNotFound. A driver whose
 * supports_attach_volume is off refuses (DriverNotSupported) or has no such
 * methods. The volume is the harness's served volume (volumeConnection:
 * a driver that connects at attach time needs one), else an NBD export
 * nobody serves.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { InstanceNotFound } from '../../src/exception/instance.ts';
import { DriverNotSupported } from '../../src/exception/virt.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { DriverVolume } from '../../src/virt/driver.ts';
import type { MoveSuite } from './driver-moves.case.ts';

async function volumeFixture(s: MoveSuite, device: string): Promise<DriverVolume> {
  const volumeId = randomUUID();
  const served = await s.volumeConnection?.(volumeId);
  return {
    volume_id: volumeId,
    mount_device: device,
    disk_bus: 'virtio',
    device_type: 'disk',
    boot_index: null,
    tag: null,
    connection_info: served ?? {
      driver_volume_type: 'nbd',
      data: { host: '127.0.0.1', port: 1, name: `volume-${volumeId}`, format: 'raw', volume_id: volumeId, access_mode: 'rw' },
      serial: volumeId,
    },
  };
}

export function volumeCases(s: MoveSuite): void {
  it('attaches a volume to the running guest and detaches it, the guest running on (detach idempotent)', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    const vol = await volumeFixture(s, '/dev/vdb');
    if (!d.capabilities.supports_attach_volume) {
      if (d.attachVolume) await assert.rejects(d.attachVolume(guest, vol), DriverNotSupported);
      if (d.detachVolume) await assert.rejects(d.detachVolume(guest, vol), DriverNotSupported);
      return;
    }
    assert.ok(d.attachVolume && d.detachVolume, 'supports_attach_volume promises both methods');
    await assert.rejects(d.attachVolume(s.newInstance('ghost'), vol), InstanceNotFound);
    await s.ensureRunning(guest);
    await d.attachVolume(guest, vol);
    assert.equal((await d.getInfo(guest)).state, PowerState.RUNNING);
    await assert.rejects(d.attachVolume(guest, await volumeFixture(s, '/dev/vdb')), 'a second disk at the same device is refused');
    await d.detachVolume(guest, vol);
    await d.detachVolume(guest, vol);
    assert.equal((await d.getInfo(guest)).state, PowerState.RUNNING);
  });

  it('attach and detach on a shut-off guest leave it off', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    if (!d.capabilities.supports_attach_volume || !d.attachVolume || !d.detachVolume) return;
    const vol = await volumeFixture(s, '/dev/vdc');
    await s.ensureRunning(guest);
    await d.powerOff(guest, 0);
    await d.attachVolume(guest, vol);
    assert.equal((await d.getInfo(guest)).state, PowerState.SHUTDOWN, 'attach does not start the guest');
    await d.detachVolume(guest, vol);
    assert.equal((await d.getInfo(guest)).state, PowerState.SHUTDOWN, 'detach does not start it either');
    await s.ensureRunning(guest);
  });
}
