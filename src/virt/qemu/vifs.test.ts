import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { VifInfo } from '../../objects/network-info.ts';
import { buildQemuArgs, macFromUuid } from './cmdline.ts';
import { instancePaths } from './paths.ts';
import { nicArgs, tapName, tapNics } from './vifs.ts';

const UUID = '6a3f2c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b';

function vif(id: string, address: string, mtu?: number): VifInfo {
  return {
    id,
    address,
    network: { id: 'net-1', label: 'private', subnets: [], meta: mtu ? { mtu } : {} },
    type: 'bridge',
    devname: tapName(id),
    active: true,
    vnic_type: 'normal',
    preserve_on_delete: false,
    tag: null,
  };
}

function args(nics: ReturnType<typeof tapNics>): string[] {
  return buildQemuArgs({
    accel: 'tcg',
    tbSizeMb: 0,
    machine: 'pc',
    name: 'instance-0000002a',
    uuid: UUID,
    memoryMb: 128,
    vcpus: 1,
    mac: macFromUuid(UUID),
    nics,
    paths: instancePaths('/var/lib/nova/instances', UUID),
    vnc: false,
    spice: false,
    incoming: false,
  });
}

const values = (a: string[], flag: string) => a.flatMap((x, i) => (x === flag ? [a[i + 1] as string] : []));

describe('qemu NICs from the network info', () => {
  it('names taps as Nova and Neutron do and keeps the VIF order', () => {
    const nics = tapNics([vif('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'FA:16:3E:01:02:03', 1450), vif('aaaabbbb-cccc-dddd-eeee-ffff00001111', 'fa:16:3e:0a:0b:0c')]);
    assert.deepEqual(nics, [
      { tap: 'tap0f1e2d3c-4b', mac: 'fa:16:3e:01:02:03', mtu: 1450 },
      { tap: 'tapaaaabbbb-cc', mac: 'fa:16:3e:0a:0b:0c' },
    ]);
    assert.ok(
      nics.every((n) => n.tap.length <= 15),
      'IFNAMSIZ',
    );
  });

  it('gives each VIF a virtio-net device on its tap with the port MAC, and no user-mode NIC', () => {
    const a = args(tapNics([vif('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'fa:16:3e:01:02:03', 1450), vif('aaaabbbb-cccc', 'fa:16:3e:0a:0b:0c')]));
    assert.deepEqual(values(a, '-nic'), []);
    assert.deepEqual(values(a, '-netdev'), [
      'tap,id=hostnet-0f1e2d3c-4b,ifname=tap0f1e2d3c-4b,script=no,downscript=no',
      'tap,id=hostnet-aaaabbbb-cc,ifname=tapaaaabbbb-cc,script=no,downscript=no',
    ]);
    assert.deepEqual(values(a, '-device').slice(1), [
      'virtio-net-pci,id=net-0f1e2d3c-4b,netdev=hostnet-0f1e2d3c-4b,mac=fa:16:3e:01:02:03,host_mtu=1450',
      'virtio-net-pci,id=net-aaaabbbb-cc,netdev=hostnet-aaaabbbb-cc,mac=fa:16:3e:0a:0b:0c',
    ]);
    assert.ok(a.indexOf('-netdev') > a.indexOf('-drive'), 'disks first: the root disk stays vda');
  });

  it('keeps the user-mode NIC with the uuid-derived MAC when the instance has no VIFs', () => {
    for (const nics of [[], tapNics(undefined)]) assert.deepEqual(values(args(nics), '-nic'), ['user,model=virtio-net-pci,mac=fa:16:3e:4f:5a:6b']);
    assert.deepEqual(values(args([]), '-netdev'), []);
    assert.deepEqual(nicArgs('fa:16:3e:00:00:01', undefined), ['-nic', 'user,model=virtio-net-pci,mac=fa:16:3e:00:00:01']);
  });
});
