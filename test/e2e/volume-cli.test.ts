import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { ADMIN_PASSWORD, type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { type Binary, Daemon, freePort, run, runProgram, tmpDir, writeConf } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * The unmodified `openstack` client against nova-volume as its own process
 * (the file driver: qcow2 files and qemu-storage-daemon), in a cloud of
 * separate processes with Keystone tokens (MariaDB, RabbitMQ), the volume
 * service registered by bootstrap --volume-url and run as the cinder
 * service user: volume types, volumes (create, list, show, set, from an
 * image, from a volume, to an image, delete and its refusal), snapshots,
 * the volume part of quota show.
 */
describe('the openstack client against nova-volume', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  let volume: Daemon | undefined;
  let dir = '';
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    const port = await freePort();
    const volumeUrl = `http://127.0.0.1:${port}/v3`;
    cloud = await startKeystoneCluster({
      conf: { volume_server: { bind_host: '127.0.0.1', bind_port: port }, volume: { export_address: '127.0.0.1', export_port: await freePort() } },
    });
    // The cluster's bootstrap registers no volume endpoint; add it (bootstrap is idempotent; same passwords).
    const boot = await run('nova-manage', [
      '--config-file',
      cloud.confFile,
      'bootstrap',
      '--bootstrap-password',
      ADMIN_PASSWORD,
      '--service-password',
      'service-secret',
      '--compute-url',
      cloud.computeUrl,
      '--identity-url',
      cloud.identityUrl,
      '--image-url',
      cloud.imageUrl,
      '--volume-url',
      volumeUrl,
    ]);
    assert.equal(boot.code, 0, boot.stderr);
    assert.match(boot.stdout, /created service cinderv3 \(volumev3\)/);
    dir = tmpDir('nova-volume-e2e-');
    // nova-volume validates tokens as the cinder service user (later files win).
    const cinderConf = writeConf(path.join(dir, 'cinder.conf'), { keystone_authtoken: { username: 'cinder' } });
    volume = new Daemon('volume', 'nova-volume' as Binary, ['--config-file', cloud.confFile, '--config-file', cinderConf]);
    await volume.waitFor(/Volume API listening/, 60_000);
  });
  after(async () => {
    await volume?.stop();
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function os(args: string[], expectOk = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const r = await runProgram('openstack', args, cloud.adminEnv);
    if (expectOk) assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  const osJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse((await os([...args, '-f', 'json'])).stdout) as T;

  /** Poll `show` until the resource reaches `status` (failing on error). */
  async function waitFor(kind: 'volume' | 'volume snapshot' | 'image', name: string, status: string): Promise<Json> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      const shown = await osJson<Json>([...kind.split(' '), 'show', name]);
      if (shown.status === status) return shown;
      assert.ok(!String(shown.status).startsWith('error'), `${kind} ${name} went to ${String(shown.status)}`);
      assert.ok(Date.now() < deadline, `${kind} ${name} still ${String(shown.status)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('runs a volume session with the openstack client', async (t) => {
    if (skip) return t.skip(skip);
    const types = await osJson<Json[]>(['volume', 'type', 'list']);
    assert.deepEqual(
      types.map((x) => x.Name),
      ['__DEFAULT__'],
    );

    const created = await osJson<Json>(['volume', 'create', '--size', '1', 'v1']);
    assert.equal(created.size, 1);
    assert.equal(created.type, '__DEFAULT__');
    const v1 = await waitFor('volume', 'v1', 'available');
    assert.equal(v1.bootable, 'false');
    const list = await osJson<Json[]>(['volume', 'list']);
    assert.deepEqual(
      list.map((v) => [v.Name, v.Status, v.Size]),
      [['v1', 'available', 1]],
    );

    await os(['volume', 'set', '--name', 'v1b', '--description', 'first', '--property', 'k=v', 'v1']);
    const renamed = await osJson<Json>(['volume', 'show', 'v1b']);
    assert.equal(renamed.description, 'first');
    assert.match(JSON.stringify(renamed.properties), /k.*v/);

    await os(['volume', 'snapshot', 'create', '--volume', 'v1b', 's1']);
    await waitFor('volume snapshot', 's1', 'available');
    const snaps = await osJson<Json[]>(['volume', 'snapshot', 'list']);
    assert.deepEqual(
      snaps.map((s) => [s.Name, s.Status, s.Size]),
      [['s1', 'available', 1]],
    );
    // Cinder refuses to delete a volume that has snapshots.
    const refused = await os(['volume', 'delete', 'v1b'], false);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /must not be migrating, attached, belong to a group, have snapshots/);
    await os(['volume', 'snapshot', 'delete', 's1']);
    const deadline = Date.now() + 60_000;
    while ((await osJson<Json[]>(['volume', 'snapshot', 'list'])).length > 0) {
      assert.ok(Date.now() < deadline, 'snapshot still listed');
      await new Promise((r) => setTimeout(r, 500));
    }

    // Up to the image service and back: a volume's bytes as an image, and a bootable volume from an image.
    const disk = path.join(dir, 'disk.raw');
    fs.writeFileSync(disk, Buffer.alloc(2 * 1024 * 1024, 7));
    await os(['image', 'create', '--disk-format', 'raw', '--container-format', 'bare', '--file', disk, 'raw-img']);
    await os(['volume', 'create', '--image', 'raw-img', '--size', '1', 'from-img']);
    const fromImage = await waitFor('volume', 'from-img', 'available');
    assert.equal(fromImage.bootable, 'true');
    assert.match(JSON.stringify(fromImage.volume_image_metadata), /raw-img/);
    await os(['image', 'create', '--volume', 'from-img', 'img-from-vol']);
    const uploaded = await waitFor('image', 'img-from-vol', 'active');
    assert.equal(uploaded.disk_format, 'raw');
    await waitFor('volume', 'from-img', 'available');

    await os(['volume', 'create', '--source', 'v1b', '--size', '2', 'clone']);
    const clone = await waitFor('volume', 'clone', 'available');
    assert.equal(clone.size, 2);

    const quota = await osJson<Json>(['quota', 'show']);
    assert.equal(quota.volumes, 10);
    assert.equal(quota.snapshots, 10);
    assert.equal(quota.gigabytes, 1000);

    // An in-use volume cannot be deleted (its state set by the admin, as no server is attached here).
    await os(['volume', 'set', '--state', 'in-use', 'clone']);
    const inUse = await os(['volume', 'delete', 'clone'], false);
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.stderr, /Invalid volume: Volume status must be available or error/);
    await os(['volume', 'set', '--state', 'available', 'clone']);

    await os(['volume', 'delete', 'v1b', 'from-img', 'clone']);
    const end = Date.now() + 60_000;
    while ((await osJson<Json[]>(['volume', 'list'])).length > 0) {
      assert.ok(Date.now() < end, 'volumes still listed');
      await new Promise((r) => setTimeout(r, 500));
    }
  });
});
