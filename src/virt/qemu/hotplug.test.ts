import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceFixture } from '../../../test/support/instances.ts';
import { HypervisorError } from '../../exception/virt.ts';
import type { VifInfo } from '../../objects/network-info.ts';
import { checkNicLayout } from './hotplug.ts';

const vif = (id: string): VifInfo => ({
  id,
  address: 'fa:16:3e:00:00:01',
  network: { id: 'n', label: 'n', subnets: [], meta: {} },
  type: 'bridge',
  devname: `tap${id.slice(0, 11)}`,
  active: true,
  vnic_type: 'normal',
  preserve_on_delete: false,
  tag: null,
});
const A = vif('aaaaaaaa-aaaa');
const B = vif('bbbbbbbb-bbbb');
const C = vif('cccccccc-cccc');

/** query-pci of an i440fx guest: host bridge, PIIX (4 functions), VGA, disk, then `nics` (id or null: a free slot). */
function pci(nics: (string | null)[], extra: { slot: number; id: string }[] = []) {
  const devices = [
    { bus: 0, slot: 0, function: 0, qdev_id: '' },
    ...[0, 1, 2, 3].map((f) => ({ bus: 0, slot: 1, function: f, qdev_id: '' })),
    { bus: 0, slot: 2, function: 0, qdev_id: '' },
    { bus: 0, slot: 3, function: 0, qdev_id: '' },
    ...nics.flatMap((id, i) => (id === null ? [] : [{ bus: 0, slot: 4 + i, function: 0, qdev_id: id }])),
    ...extra.map((e) => ({ bus: 0, function: 0, slot: e.slot, qdev_id: e.id })),
  ];
  return { execute: async (command: string) => (command === 'query-pci' ? [{ bus: 0, devices }] : null) };
}
const inst = (nis: VifInfo[]) => ({ ...instanceFixture({}), network_info: nis });

describe('checkNicLayout (live migration of a hot-plugged guest)', () => {
  it('passes when the NICs follow the disks in network info order, with no free slot between', async () => {
    await checkNicLayout(pci(['net-aaaaaaaa-aa', 'net-bbbbbbbb-bb']), inst([A, B]));
    // q35's ICH9 functions at slot 31, after the NICs, are no hole.
    await checkNicLayout(pci(['net-aaaaaaaa-aa'], [{ slot: 31, id: '' }]), inst([A]));
    // A user-mode NIC (no port NICs): nothing to compare.
    await checkNicLayout(pci([]), inst([]));
  });

  it('refuses a free slot left by a detach between NICs, and a NIC that took such a slot', async () => {
    await assert.rejects(checkNicLayout(pci(['net-aaaaaaaa-aa', null, 'net-cccccccc-cc']), inst([A, C])), HypervisorError);
    await assert.rejects(checkNicLayout(pci(['net-aaaaaaaa-aa', 'net-bbbbbbbb-bb', 'net-cccccccc-cc']), inst([A, C, B])), /not laid out as its network info says/);
  });
});
