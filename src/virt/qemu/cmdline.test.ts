import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildQemuArgs, instanceName, type LaunchSpec, macFromUuid, qemuOptValue, shellQuote } from './cmdline.ts';
import { instancePaths } from './paths.ts';
import { parsePortRange } from './ports.ts';

const UUID = '6a3f2c1e-8b7d-4e5f-9a0b-1c2d3e4f5a6b';

function spec(over: Partial<LaunchSpec> = {}): LaunchSpec {
  return {
    accel: 'tcg',
    tbSizeMb: 0,
    machine: 'pc',
    name: 'instance-0000002a',
    uuid: UUID,
    memoryMb: 128,
    vcpus: 1,
    mac: macFromUuid(UUID),
    paths: instancePaths('/var/lib/nova/instances', UUID),
    vnc: true,
    spice: false,
    incoming: false,
    ...over,
  };
}

/** The value following `flag` (each occurrence). */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] as string] : []));
}

describe('qemu command line', () => {
  it('maps the flavor, the disk, the NIC, the consoles and QMP', () => {
    const args = buildQemuArgs(spec({ memoryMb: 512, vcpus: 2 }));
    const dir = `/var/lib/nova/instances/${UUID}`;
    assert.deepEqual(values(args, '-m'), ['512M']);
    assert.deepEqual(values(args, '-smp'), ['2']);
    assert.deepEqual(values(args, '-uuid'), [UUID]);
    assert.deepEqual(values(args, '-name'), ['instance-0000002a']);
    assert.deepEqual(values(args, '-machine'), ['pc']);
    assert.deepEqual(values(args, '-accel'), ['tcg']);
    assert.ok(args.includes('-nodefaults'), 'no default devices (no HMP monitor on the VNC screen)');
    assert.match(values(args, '-drive')[0] as string, new RegExp(`^file=${dir}/disk.qcow2,format=qcow2,if=none,id=disk0`));
    assert.deepEqual(values(args, '-device'), ['virtio-blk-pci,drive=disk0,bootindex=0']);
    assert.deepEqual(values(args, '-nic'), ['user,model=virtio-net-pci,mac=fa:16:3e:4f:5a:6b']);
    assert.deepEqual(values(args, '-vnc'), [`unix:${dir}/vnc.sock`]);
    assert.deepEqual(values(args, '-spice'), []);
    const chardevs = values(args, '-chardev');
    assert.equal(chardevs[0], `socket,id=serial0,path=${dir}/serial.sock,server=on,wait=off,logfile=${dir}/console.log,logappend=on`);
    assert.equal(chardevs[1], `socket,id=qmp,path=${dir}/qmp.sock,server=on,wait=off`);
    assert.equal(chardevs[2], `socket,id=monitor,path=${dir}/monitor.sock,server=on,wait=off`);
    assert.deepEqual(values(args, '-serial'), ['chardev:serial0']);
    assert.deepEqual(values(args, '-mon'), ['chardev=qmp,mode=control', 'chardev=monitor,mode=control']);
    assert.deepEqual(values(args, '-pidfile'), [`${dir}/qemu.pid`]);
    assert.ok(!args.includes('-incoming') && !args.includes('-S') && !args.includes('-daemonize'));
  });

  it('sets the accelerator options, SPICE, incoming migration and no VNC when disabled', () => {
    assert.deepEqual(values(buildQemuArgs(spec({ tbSizeMb: 32 })), '-accel'), ['tcg,tb-size=32']);
    const kvm = buildQemuArgs(spec({ accel: 'kvm', tbSizeMb: 32 }));
    assert.deepEqual(values(kvm, '-accel'), ['kvm']);
    assert.deepEqual(values(kvm, '-cpu'), ['host']);
    const other = buildQemuArgs(spec({ spice: true, vnc: false, incoming: true }));
    assert.deepEqual(values(other, '-spice'), [`unix=on,addr=/var/lib/nova/instances/${UUID}/spice.sock,disable-ticketing=on`]);
    assert.deepEqual(values(other, '-vnc'), []);
    assert.deepEqual(values(other, '-incoming'), ['defer']);
    assert.ok(other.includes('-S'));
  });

  it('attaches the config drive read-only as a second virtio disk when asked', () => {
    const dir = `/var/lib/nova/instances/${UUID}`;
    const args = buildQemuArgs(spec({ configDrive: true }));
    assert.deepEqual(values(args, '-drive').slice(1), [`file=${dir}/disk.config,format=raw,if=none,id=disk1,readonly=on`]);
    assert.deepEqual(values(args, '-device'), ['virtio-blk-pci,drive=disk0,bootindex=0', 'virtio-blk-pci,drive=disk1']);
    assert.ok(args.indexOf('-nic') > args.lastIndexOf('-device'), 'the root disk stays vda, the drive is vdb');
    assert.equal(values(buildQemuArgs(spec({ configDrive: false })), '-drive').length, 1);
  });

  it('escapes commas in paths and quotes shell words', () => {
    const args = buildQemuArgs(spec({ paths: instancePaths('/srv/a,b', UUID) }));
    assert.match(values(args, '-drive')[0] as string, /^file=\/srv\/a,,b\//);
    assert.equal(qemuOptValue('x,y'), 'x,,y');
    assert.equal(shellQuote("/tmp/it's here"), `'/tmp/it'\\''s here'`);
  });

  it('names instances by the template and derives a stable MAC', () => {
    assert.equal(instanceName('instance-%08x', 42, UUID), 'instance-0000002a');
    assert.equal(instanceName('vm-%d', 7, UUID), 'vm-7');
    assert.equal(instanceName('%s', 7, UUID), UUID);
    assert.equal(macFromUuid(UUID), macFromUuid(UUID.toUpperCase()));
    assert.match(macFromUuid(UUID), /^fa:16:3e(:[0-9a-f]{2}){3}$/);
  });
});

describe('console_listen = tcp', () => {
  it('puts VNC, SPICE and the serial console on TCP', () => {
    const args = buildQemuArgs({
      accel: 'tcg',
      tbSizeMb: 0,
      machine: 'pc',
      name: 'instance-00000001',
      uuid: '11111111-2222-3333-4444-555555555555',
      memoryMb: 128,
      vcpus: 1,
      mac: 'fa:16:3e:55:55:55',
      paths: instancePaths('/var/lib/nova/instances', '11111111-2222-3333-4444-555555555555'),
      vnc: true,
      spice: true,
      incoming: false,
      tcp: { vnc: { host: '10.0.0.5', port: 5903 }, serial: { host: '10.0.0.5', port: 5904 }, spice: { host: '10.0.0.5', port: 5905 } },
    }).join(' ');
    assert.match(args, /-vnc 10\.0\.0\.5:3 /);
    assert.match(args, /-spice port=5905,addr=10\.0\.0\.5,disable-ticketing=on/);
    assert.match(args, /-chardev socket,id=serial0,host=10\.0\.0\.5,port=5904,server=on,wait=off,logfile=/);
    assert.doesNotMatch(args, /vnc\.sock|serial\.sock|spice\.sock/);
  });

  it('checks the port range', () => {
    assert.deepEqual(parsePortRange('5900:7999'), { first: 5900, last: 7999 });
    assert.throws(() => parsePortRange('80:90'), /console_port_range/);
    assert.throws(() => parsePortRange('6000'), /console_port_range/);
  });
});
