import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { instanceFixture } from '../../../test/support/instances.ts';
import { HypervisorError } from '../../exception/virt.ts';
import { silentLogger } from '../../log.ts';
import type { DriverVolume } from '../driver.ts';
import { Guest } from './guest.ts';
import { instancePaths } from './paths.ts';
import { checkDestinationLayout, hasRootVolume, pciLayout, setMoveVolumes } from './volume-moves.ts';
import { guestVolumes, setSpawnVolumes } from './volumes.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qemu-volume-moves-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const V1 = '11111111-7d4e-4bd1-9c1c-2a1f8d2b7e11';
const V2 = '22222222-7d4e-4bd1-9c1c-2a1f8d2b7e11';

function vol(id: string, user: string, device: string, bootIndex: number | null = null): DriverVolume {
  return {
    volume_id: id,
    mount_device: device,
    disk_bus: 'virtio',
    device_type: 'disk',
    boot_index: bootIndex,
    tag: null,
    connection_info: { driver_volume_type: 'nbd', data: { host: '192.0.2.7', port: 10809, name: id, psk_user: user, psk: 'ab'.repeat(32), access_mode: 'rw' }, serial: id },
  };
}

function guest(uuid: string): Guest {
  const p = instancePaths(root, uuid);
  fs.mkdirSync(p.dir, { recursive: true });
  return new Guest(p, { vcpus: 1, memoryMb: 128, diskGb: 1 }, silentLogger());
}

/** query-pci of a guest: host bridge, PIIX, VGA, disk0, then `ids` from slot 4. */
function pci(ids: string[]) {
  const devices = [
    { bus: 0, slot: 0, function: 0, qdev_id: '' },
    { bus: 0, slot: 1, function: 0, qdev_id: '' },
    { bus: 0, slot: 1, function: 1, qdev_id: '' },
    { bus: 0, slot: 2, function: 0, qdev_id: '' },
    { bus: 0, slot: 3, function: 0, qdev_id: '' },
    ...ids.map((id, i) => ({ bus: 0, slot: 4 + i, function: 0, qdev_id: id })),
  ];
  return { execute: async (command: string) => (command === 'query-pci' ? [{ bus: 0, devices }] : null) };
}

describe('volumes across moves', () => {
  it("the move's block device info replaces the guest's volumes (new attachments), none given keeps them", () => {
    const g = guest('00000000-0000-4000-8000-000000000001');
    setSpawnVolumes(g, [vol(V1, 'att-source', '/dev/vdb')]);
    assert.equal(setMoveVolumes(g, undefined), 1);
    assert.deepEqual(
      guestVolumes(g).map((v) => v.pskUser),
      ['att-source'],
    );
    assert.equal(setMoveVolumes(g, { root_device_name: '/dev/vda', block_device_mapping: [vol(V1, 'att-dest', '/dev/vdb'), vol(V2, 'att-dest-2', '/dev/vdc')] }), 2);
    assert.deepEqual(
      guestVolumes(g).map((v) => v.pskUser),
      ['att-dest', 'att-dest-2'],
    );
    assert.equal(setMoveVolumes(g, { root_device_name: '/dev/vda', block_device_mapping: [] }), 0);
    assert.equal(hasRootVolume({ root_device_name: '/dev/vda', block_device_mapping: [vol(V1, 'a', '/dev/vda', 0)] }), true);
    assert.equal(hasRootVolume(undefined), false);
  });

  it('the source goes on only when the destination has its devices at the same PCI slots', async () => {
    const g = guest('00000000-0000-4000-8000-000000000002');
    const inst = instanceFixture({ uuid: g.uuid });
    setSpawnVolumes(g, [vol(V1, 'a', '/dev/vdb'), vol(V2, 'b', '/dev/vdc')]);
    const here = pci(['net-aaaaaaaa-aa', 'volume-111111117d4e4bd19c1c', 'volume-222222227d4e4bd19c1c']);
    const same = await pciLayout(here);
    assert.equal(same, '0=;1=;2=;3=;4=net-aaaaaaaa-aa;5=volume-111111117d4e4bd19c1c;6=volume-222222227d4e4bd19c1c');
    await checkDestinationLayout(here, g, inst, { pci_layout: same });
    // The destination put the volumes in the other order, or before the NIC, or has none: refused.
    const swapped = await pciLayout(pci(['net-aaaaaaaa-aa', 'volume-222222227d4e4bd19c1c', 'volume-111111117d4e4bd19c1c']));
    await assert.rejects(checkDestinationLayout(here, g, inst, { pci_layout: swapped }), /not be at the same PCI slots/);
    const none = await pciLayout(pci(['net-aaaaaaaa-aa']));
    await assert.rejects(checkDestinationLayout(here, g, inst, { pci_layout: none }), HypervisorError);
    await assert.rejects(checkDestinationLayout(here, g, inst, {}), /did not say where it put the volumes/);
    // A guest without volumes: checkNicLayout's business, nothing more here.
    const bare = guest('00000000-0000-4000-8000-000000000003');
    await checkDestinationLayout(pci(['net-aaaaaaaa-aa']), bare, inst, {});
    await checkDestinationLayout(pci(['net-aaaaaaaa-aa']), bare, inst, { pci_layout: '0=;4=other' });
  });
});
