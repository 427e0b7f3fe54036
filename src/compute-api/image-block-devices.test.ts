import assert from 'node:assert/strict';
import { it } from 'node:test';
import { InvalidBDMFormat } from '../exception/volume.ts';
import { newBdm } from '../objects/block-device.ts';
import type { PlannedBdm } from './block-device-mappings.ts';
import { imageDefinedBdms, imageSystemMetadata, mergeImageBdms, onceEachImage } from './image-block-devices.ts';

const planned = (f: Partial<PlannedBdm> & Pick<PlannedBdm, 'source_type' | 'destination_type'>): PlannedBdm => {
  const { instance_uuid: _i, ...b } = newBdm('', f);
  return b;
};

it("reads an image's bdm_v2 block_device_mapping as mappings (device names with /dev/, no_device entries and other images' mappings left out)", () => {
  const mapping = [
    {
      source_type: 'snapshot',
      destination_type: 'volume',
      snapshot_id: 's1',
      volume_size: 2,
      boot_index: 0,
      device_name: 'vda',
      delete_on_termination: true,
      volume_id: null,
      image_id: null,
    },
    { no_device: true, device_name: '/dev/vdc' },
    { source_type: 'blank', destination_type: 'volume', volume_size: '1', boot_index: '-1', delete_on_termination: 'False' },
  ];
  const bdms = imageDefinedBdms({ properties: { bdm_v2: 'True', block_device_mapping: JSON.stringify(mapping) } });
  assert.deepEqual(bdms, [
    planned({ source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's1', volume_size: 2, boot_index: 0, device_name: '/dev/vda', delete_on_termination: true }),
    planned({ source_type: 'blank', destination_type: 'volume', volume_size: 1, boot_index: null }),
  ]);
  assert.deepEqual(imageDefinedBdms({ properties: { block_device_mapping: JSON.stringify(mapping) } }), [], 'legacy mappings (no bdm_v2) are not read');
  assert.deepEqual(imageDefinedBdms({ properties: { os_distro: 'cirros' } }), []);
  for (const bad of ['{', '{"a": 1}', '[1]', '[{"destination_type": "volume"}]']) {
    assert.throws(() => imageDefinedBdms({ properties: { bdm_v2: 'true', block_device_mapping: bad } }), InvalidBDMFormat, bad);
  }
});

it("merges as Nova's _merge_bdms_lists: the requested win by device name; an image root drops a requested boot_index 0 image mapping", () => {
  const root = planned({ source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's1', boot_index: 0, device_name: '/dev/vda' });
  const data = planned({ source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's2', device_name: '/dev/vdb' });
  const unnamed = planned({ source_type: 'snapshot', destination_type: 'volume', snapshot_id: 's3' });
  const inserted = planned({ source_type: 'image', destination_type: 'local', image_id: 'img', boot_index: 0 });
  const mine = planned({ source_type: 'volume', destination_type: 'volume', volume_id: 'v1', device_name: '/dev/vdb' });
  assert.deepEqual(mergeImageBdms([inserted, mine], [root, data, unnamed]), [mine, root, unnamed]);
  assert.deepEqual(mergeImageBdms([inserted], [data]), [inserted, data], 'no root in the image: the requested root stays');
  assert.deepEqual(mergeImageBdms([mine], []), [mine]);
});

it('keeps the large structured values out of system_metadata, and reads an image once per request', async () => {
  assert.deepEqual(imageSystemMetadata({ os_distro: 'cirros', block_device_mapping: '[]', mappings: '[]', bdm_v2: 'True' }), {
    image_os_distro: 'cirros',
    image_bdm_v2: 'True',
  });
  let reads = 0;
  const images = onceEachImage({
    show: async (_ctx, id) => {
      reads++;
      return { id, status: 'active', min_ram: 0, min_disk: 0, properties: {} };
    },
  });
  const ctx = {} as Parameters<NonNullable<typeof images>['show']>[0];
  await images?.show(ctx, 'a');
  await images?.show(ctx, 'a');
  await images?.show(ctx, 'b');
  assert.equal(reads, 2);
  assert.equal(onceEachImage(undefined), undefined);
});
