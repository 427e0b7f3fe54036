import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { PowerState } from '../../objects/states.ts';
import { readConsoleLog, trimConsoleLog } from './console.ts';
import { powerStateOf } from './guest.ts';
import { basePath, checkImageId, instanceDirs, instancePaths } from './paths.ts';
import { findQemuPids, isQemuOf, procState, readPidfile } from './process.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-qemu-guest-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const UUID = '0b6f3a2e-1c4d-4e8f-9a7b-5d6c7e8f9a0b';

describe('power state mapping', () => {
  it('maps QEMU run states and the suspend file to Nova power states', () => {
    assert.equal(powerStateOf('running', false), PowerState.RUNNING);
    assert.equal(powerStateOf('paused', false), PowerState.PAUSED);
    assert.equal(powerStateOf('postmigrate', false), PowerState.PAUSED);
    assert.equal(powerStateOf('shutdown', false), PowerState.SHUTDOWN);
    assert.equal(powerStateOf('internal-error', false), PowerState.CRASHED);
    assert.equal(powerStateOf('guest-panicked', false), PowerState.CRASHED);
    assert.equal(powerStateOf(null, false), PowerState.SHUTDOWN);
    assert.equal(powerStateOf(null, true), PowerState.SUSPENDED);
  });
});

describe('instance paths', () => {
  it('are absolute and per uuid', () => {
    const p = instancePaths('relative/instances', UUID);
    assert.ok(path.isAbsolute(p.dir) && p.dir.endsWith(`/relative/instances/${UUID}`));
    for (const f of [p.qmp, p.vnc, p.serial, p.consoleLog, p.disk, p.pidfile, p.state]) assert.equal(path.dirname(f), p.dir);
    assert.equal(basePath('/x', 'cirros'), '/x/_base/cirros');
  });
  it('refuse bad uuids, bad image ids and socket paths the kernel cannot take', () => {
    assert.throws(() => instancePaths('/x', '../etc'), /invalid instance uuid/);
    assert.throws(() => checkImageId('../passwd'), /invalid image id/);
    assert.throws(() => instancePaths(`/${'d'.repeat(80)}`, UUID), /longer than 107 bytes/);
  });
  it('lists instance directories that hold a disk', () => {
    const root = path.join(dir, 'instances');
    fs.mkdirSync(path.join(root, UUID), { recursive: true });
    fs.mkdirSync(path.join(root, '_base'), { recursive: true });
    assert.deepEqual(instanceDirs(root), []);
    fs.writeFileSync(path.join(root, UUID, 'disk.qcow2'), '');
    assert.deepEqual(instanceDirs(root), [UUID]);
  });
});

describe('console log', () => {
  it('returns the last lines without carriage returns, bounded in bytes', () => {
    const f = path.join(dir, 'console.log');
    assert.equal(readConsoleLog(f, 1024), '');
    fs.writeFileSync(f, 'one\r\ntwo\r\nthree\r\nfour\r\n');
    assert.equal(readConsoleLog(f, 1024), 'one\ntwo\nthree\nfour\n');
    assert.equal(readConsoleLog(f, 1024, 2), 'three\nfour\n');
    assert.equal(readConsoleLog(f, 1024, 0), '');
    assert.equal(readConsoleLog(f, 12), 'four\n');
    trimConsoleLog(f, 12);
    assert.equal(fs.readFileSync(f, 'utf8'), 'three\r\nfour\r\n'.slice(-12));
  });
});

describe('process liveness', () => {
  it('reads /proc state and command lines (a fake /proc)', () => {
    const proc = path.join(dir, 'proc');
    const mk = (pid: number, state: string, cmdline: string[]) => {
      fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
      fs.writeFileSync(path.join(proc, String(pid), 'stat'), `${pid} (qemu-system-x86) ${state} 1 2 3`);
      fs.writeFileSync(path.join(proc, String(pid), 'cmdline'), `${cmdline.join('\0')}\0`);
    };
    mk(100, 'S', ['qemu-system-x86_64', '-uuid', UUID]);
    mk(101, 'Z', ['qemu-system-x86_64', '-uuid', UUID]);
    mk(102, 'R', ['bash', UUID]);
    mk(103, 'S', ['qemu-system-x86_64', '-uuid', UUID, '-pidfile', `/hosts/b/${UUID}/qemu.pid`]);
    assert.equal(procState(100, proc), 'S');
    assert.equal(procState(999, proc), null);
    assert.equal(isQemuOf(100, UUID, proc), true);
    assert.equal(isQemuOf(101, UUID, proc), false, 'a zombie is not a running guest');
    assert.equal(isQemuOf(100, '11111111-2222-3333-4444-555555555555', proc), false, 'a reused pid is not the guest');
    assert.deepEqual(findQemuPids(UUID, proc), [100, 103]);
    assert.deepEqual(findQemuPids(UUID, proc, `/hosts/b/${UUID}`), [103], "another host's QEMU of the instance is not this host's");
    assert.deepEqual(findQemuPids(UUID, proc, `/hosts/a/${UUID}`), []);
    const pf = path.join(dir, 'pid');
    fs.writeFileSync(pf, '4242\n');
    assert.equal(readPidfile(pf), 4242);
    assert.equal(readPidfile(path.join(dir, 'nopid')), null);
  });
});
