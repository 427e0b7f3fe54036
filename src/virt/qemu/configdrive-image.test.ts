import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { HypervisorError } from '../../exception/virt.ts';
import type { ConfigDriveTree } from './configdrive.ts';
import { buildConfigDriveImage, findTool, isoArgs, VFAT_SIZE_BYTES, writeTree } from './configdrive-image.ts';

const has = (cmd: string, args: string[] = ['--version']) => spawnSync(cmd, args, { stdio: 'ignore' }).error === undefined;
const NOW = new Date('2024-05-01T12:00:00Z');
const TREE: ConfigDriveTree = {
  mtime: NOW,
  files: [
    { path: 'openstack/latest/meta_data.json', data: Buffer.from('{"uuid": "u-1", "hostname": "cfg-vm-1"}') },
    { path: 'openstack/latest/user_data', data: Buffer.from('#cloud-config\n') },
    { path: 'ec2/latest/meta-data.json', data: Buffer.from('{"instance-id": "i-00000001"}') },
  ],
};
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cfgdrv-'));
  dirs.push(d);
  return d;
};
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('config drive images', () => {
  it('lays the tree out with its mtime and refuses paths that leave it', () => {
    const d = tmp();
    writeTree(TREE, d);
    assert.equal(fs.readFileSync(path.join(d, 'openstack/latest/user_data'), 'utf8'), '#cloud-config\n');
    assert.equal(fs.statSync(path.join(d, 'openstack/latest/meta_data.json')).mtimeMs, NOW.getTime());
    assert.equal(fs.statSync(path.join(d, 'openstack')).mtimeMs, NOW.getTime());
    assert.throws(() => writeTree({ mtime: NOW, files: [{ path: '../x', data: Buffer.alloc(0) }] }, d), HypervisorError);
  });

  it("passes Nova's mkisofs arguments", () => {
    assert.deepEqual(isoArgs('/o.iso', 'pub', '/src'), [
      '-o',
      '/o.iso',
      '-ldots',
      '-allow-lowercase',
      '-allow-multidot',
      '-l',
      '-publisher',
      'pub',
      '-quiet',
      '-J',
      '-r',
      '-V',
      'config-2',
      '/src',
    ]);
  });

  it('writes an iso9660 image labelled config-2 with Rock Ridge names', async (t) => {
    if (!has('genisoimage') || !has('isoinfo', ['-version'])) return t.skip('SKIPPED: genisoimage/isoinfo not installed (Debian package genisoimage)');
    const d = tmp();
    const dest = path.join(d, 'disk.config');
    await buildConfigDriveImage(TREE, dest, { format: 'iso9660', mkisofsCmd: 'genisoimage', publisher: 'OpenStack Compute test' });
    assert.deepEqual(fs.readdirSync(d), ['disk.config'], 'no temporary files left');
    const pvd = execFileSync('isoinfo', ['-d', '-i', dest], { encoding: 'utf8' });
    assert.match(pvd, /Volume id: config-2/);
    assert.match(pvd, /Rock Ridge signatures version/);
    assert.match(pvd, /Joliet/);
    const md = execFileSync('isoinfo', ['-R', '-i', dest, '-x', '/openstack/latest/meta_data.json'], { encoding: 'utf8' });
    assert.equal(md, '{"uuid": "u-1", "hostname": "cfg-vm-1"}');
  });

  it('writes a vfat image labelled config-2', async (t) => {
    if (findTool('mkfs.vfat') === 'mkfs.vfat' || !has('mcopy', ['-V'])) return t.skip('SKIPPED: dosfstools/mtools not installed');
    const d = tmp();
    const dest = path.join(d, 'disk.config');
    await buildConfigDriveImage(TREE, dest, { format: 'vfat', mkisofsCmd: 'genisoimage', publisher: 'x' });
    assert.equal(fs.statSync(dest).size, VFAT_SIZE_BYTES);
    const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    assert.match(execFileSync('minfo', ['-i', dest, '::'], { encoding: 'utf8', env }), /label="config-2 *"/);
    assert.equal(execFileSync('mtype', ['-i', dest, '::/openstack/latest/user_data'], { encoding: 'utf8', env }), '#cloud-config\n');
  });

  it('names the missing tool and leaves nothing behind', async () => {
    const d = tmp();
    const dest = path.join(d, 'disk.config');
    await assert.rejects(
      buildConfigDriveImage(TREE, dest, { format: 'iso9660', mkisofsCmd: 'nova-no-such-mkisofs', publisher: 'x' }),
      (e: unknown) => e instanceof HypervisorError && /nova-no-such-mkisofs is not installed/.test(e.message),
    );
    await assert.rejects(buildConfigDriveImage(TREE, dest, { format: 'iso9660', mkisofsCmd: 'genisoimage-missing', publisher: 'x' }), /genisoimage-missing is not installed/);
    assert.deepEqual(fs.readdirSync(d), []);
  });
});
