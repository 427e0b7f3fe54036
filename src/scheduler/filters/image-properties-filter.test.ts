import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImagePropertiesFilter } from './image-properties-filter.ts';
import { fakeHost, fakeSpec } from './testing.ts';

const image = (properties: Record<string, string>) => fakeSpec({ image: { properties } });

describe('ImagePropertiesFilter', () => {
  const filter = new ImagePropertiesFilter();
  const passes = (host: Parameters<typeof fakeHost>[0], props: Record<string, string>) => filter.hostPasses(fakeHost(host), image(props));

  it('is named as in Nova and runs on rebuild', () => {
    assert.equal(filter.name, 'ImagePropertiesFilter');
    assert.equal(filter.runOnRebuild, true);
  });
  it('passes every host for an image without compute properties', () => {
    assert.equal(passes({ cpuInfo: {}, hypervisorType: 'xen', hypervisorVersion: 1 }, { os_distro: 'ubuntu', hw_disk_bus: 'virtio' }), true);
  });
  it('matches the architecture against cpu_info, canonicalised', () => {
    assert.equal(passes({}, { hw_architecture: 'x86_64' }), true);
    assert.equal(passes({}, { hw_architecture: 'AMD64' }), true);
    assert.equal(passes({}, { hw_architecture: 'aarch64' }), false);
    assert.equal(passes({ cpuInfo: { arch: 'i686' } }, { hw_architecture: 'i386' }), true);
    assert.equal(passes({ cpuInfo: { arch: 'AMD64' } }, { hw_architecture: 'x86_64' }), true);
    assert.equal(passes({ cpuInfo: {} }, { hw_architecture: 'x86_64' }), false);
  });
  it('reads the legacy architecture property, the current name winning', () => {
    assert.equal(passes({}, { architecture: 'aarch64' }), false);
    assert.equal(passes({}, { architecture: 'aarch64', hw_architecture: 'x86_64' }), true);
  });
  it('matches the hypervisor type case-insensitively', () => {
    assert.equal(passes({ hypervisorType: 'fake' }, { img_hv_type: 'FAKE' }), true);
    assert.equal(passes({ hypervisorType: 'fake' }, { img_hv_type: 'qemu' }), false);
    assert.equal(passes({ hypervisorType: 'fake' }, { hypervisor_type: 'kvm' }), false);
  });
  it('lets QEMU and KVM hosts satisfy both qemu and kvm', () => {
    for (const hypervisorType of ['QEMU', 'kvm']) {
      assert.equal(passes({ hypervisorType }, { img_hv_type: 'qemu' }), true);
      assert.equal(passes({ hypervisorType }, { img_hv_type: 'kvm' }), true);
      assert.equal(passes({ hypervisorType }, { img_hv_type: 'xen' }), false);
    }
  });
  it('supports only the hvm vm mode', () => {
    assert.equal(passes({}, { hw_vm_mode: 'hvm' }), true);
    assert.equal(passes({}, { vm_mode: 'HV' }), true);
    assert.equal(passes({}, { hw_vm_mode: 'xen' }), false);
    assert.equal(passes({}, { hw_vm_mode: 'exe' }), false);
    assert.equal(passes({}, { vm_mode: 'pv' }), false);
  });
  it('checks img_hv_requested_version against the hypervisor version', () => {
    const qemu = { hypervisorType: 'QEMU', hypervisorVersion: 8002001 };
    assert.equal(passes(qemu, { img_hv_requested_version: '>=8.2' }), true);
    assert.equal(passes(qemu, { img_hv_requested_version: '>=8.2.2' }), false);
    assert.equal(passes(qemu, { img_hv_type: 'kvm', img_hv_requested_version: '>=6.0' }), true);
    assert.equal(passes(qemu, { img_hv_type: 'kvm', img_hv_requested_version: '<8' }), false);
    assert.equal(passes(qemu, { hypervisor_version_requires: '>=9.0' }), false);
  });
  it('does not hold a host that reports no version to a requested version', () => {
    assert.equal(passes({ hypervisorVersion: 0 }, { img_hv_requested_version: '>=99' }), true);
  });
  it('requires every requested property', () => {
    const props = { hw_architecture: 'x86_64', img_hv_type: 'kvm', hw_vm_mode: 'hvm' };
    assert.equal(passes({ hypervisorType: 'QEMU' }, props), true);
    assert.equal(passes({ hypervisorType: 'QEMU', cpuInfo: { arch: 'aarch64' } }, props), false);
    assert.equal(passes({ hypervisorType: 'fake' }, props), false);
  });
});
