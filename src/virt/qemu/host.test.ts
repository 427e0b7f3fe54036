import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../conf/loader.ts';
import { silentLogger } from '../../log.ts';
import { loadDriver } from '../registry.ts';
import { chooseAccel } from './accel.ts';
import { QemuDriver } from './driver.ts';
import { cpuInfoJson, hostResources, parseMeminfo, parseQemuVersion } from './resources.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qemu-host-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('accelerator choice', () => {
  const kvm = path.join(dir, 'kvm');
  fs.writeFileSync(kvm, '');
  const pvm = path.join(dir, 'kvm_pvm');
  const none = path.join(dir, 'absent');

  it('uses TCG for virt_type = qemu', () => {
    assert.equal(chooseAccel('qemu', { devKvm: kvm, pvmModule: none }).accel, 'tcg');
  });
  it('uses KVM only when /dev/kvm is usable and not from kvm_pvm', () => {
    assert.equal(chooseAccel('kvm', { devKvm: kvm, pvmModule: none }).accel, 'kvm');
    const missing = chooseAccel('kvm', { devKvm: none, pvmModule: none });
    assert.equal(missing.accel, 'tcg');
    assert.match(missing.reason, /not usable/);
    fs.mkdirSync(pvm);
    const p = chooseAccel('kvm', { devKvm: kvm, pvmModule: pvm });
    assert.equal(p.accel, 'tcg');
    assert.match(p.reason, /kvm_pvm/);
  });
});

describe('host resources', () => {
  it('parses /proc/meminfo', () => {
    const text =
      'MemTotal:       24684312 kB\nMemFree:        23000000 kB\nMemAvailable:   23650000 kB\nBuffers:           1000 kB\nCached:          500000 kB\nHugePages_Total:       0\n';
    assert.deepEqual(parseMeminfo(text), { totalKb: 24684312, availableKb: 23650000 });
    assert.deepEqual(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n'), { totalKb: 1000, availableKb: 310 });
  });

  it('turns qemu --version into major*1000000 + minor*1000 + patch', () => {
    assert.equal(parseQemuVersion('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022'), 7_002_022);
    assert.equal(parseQemuVersion('QEMU emulator version 8.2.0'), 8_002_000);
    assert.equal(parseQemuVersion('QEMU emulator version 9.1'), 9_001_000);
    assert.equal(parseQemuVersion('nonsense'), 0);
  });

  it('describes the CPU as Nova cpu_info', () => {
    const cpuinfo =
      'processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU\nphysical id\t: 0\ncpu cores\t: 2\nflags\t\t: sse2 fpu avx\n\nprocessor\t: 1\nphysical id\t: 0\n';
    const cpus = [{ model: 'x' }, { model: 'x' }] as os.CpuInfo[];
    const info = JSON.parse(cpuInfoJson(cpuinfo, cpus, 'x64'));
    assert.deepEqual(info, {
      arch: 'x86_64',
      model: 'Intel(R) Xeon(R) CPU',
      vendor: 'Intel',
      topology: { cells: 1, sockets: 1, cores: 2, threads: 1 },
      features: ['avx', 'fpu', 'sse2'],
    });
  });

  it('reports the host with the usage of the guests', async () => {
    const r = await hostResources(
      { hostname: 'h1', instancesPath: path.join(dir, 'instances'), hypervisorVersion: 7_002_022, meminfo: 'MemTotal: 2097152 kB\nMemAvailable: 1048576 kB\n' },
      { vcpus: 2, memoryMb: 256, diskGb: 2 },
    );
    assert.equal(r.hypervisor_type, 'QEMU');
    assert.equal(r.hypervisor_version, 7_002_022);
    assert.equal(r.memory_mb, 2048);
    assert.equal(r.vcpus, os.cpus().length);
    assert.ok(r.local_gb > 0 && r.disk_available_least !== null && r.disk_available_least <= r.local_gb);
    assert.deepEqual([r.vcpus_used, r.memory_mb_used, r.local_gb_used], [2, 256, 2]);
    assert.equal(JSON.parse(r.cpu_info).arch.length > 0, true);
  });
});

describe('driver registry', () => {
  it('loads the QEMU driver by name and by alias, with the [qemu] options', async () => {
    for (const name of ['qemu.QemuDriver', 'qemu']) {
      const conf = loadConfig({ env: {}, overrides: { DEFAULT: { compute_driver: name, state_path: dir }, qemu: { virt_type: 'qemu' } } });
      assert.equal(conf.qemu.local_image_dir, `${dir}/images`);
      assert.equal(conf.qemu.machine_type, 'pc');
      const d = await loadDriver(conf, 'h1', silentLogger());
      assert.ok(d instanceof QemuDriver);
      assert.equal(d.capabilities.guests_survive_restart, true);
    }
  });
});
