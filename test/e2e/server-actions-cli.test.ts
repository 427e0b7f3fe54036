import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { runProgram, until } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * The server actions that image, shelve, rescue and administer a server,
 * driven by the unmodified `openstack` client against separate processes
 * over RabbitMQ and MariaDB with Keystone tokens and the image service, on
 * two fake compute hosts, with [DEFAULT] reclaim_instance_interval set so
 * that a delete is deferred: server image create, server backup create
 * (rotation), shelve / unshelve (offloaded, then on a host again), rescue /
 * unrescue, set --password, set --state, dump create, delete / restore /
 * delete --force.
 */
describe('imaging, shelving, rescuing and administering servers with the openstack client', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (!skip) cloud = await startKeystoneCluster({ computes: 2, conf: { DEFAULT: { reclaim_instance_interval: 3600 } } });
  });
  after(async () => {
    await cloud?.stop();
  });

  async function os(args: string[], expectOk = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const r = await runProgram('openstack', args, cloud.adminEnv);
    if (expectOk) assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  const osJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse((await os([...args, '-f', 'json'])).stdout) as T;
  const show = (name: string) => osJson<Json>(['server', 'show', name]);
  const waitFor = (name: string, status: string) =>
    until(
      async () => {
        const s = await show(name);
        return s.status === status && s['OS-EXT-STS:task_state'] === null ? s : null;
      },
      60_000,
      `${name} ${status}`,
      300,
    );
  const imageNames = async () => (await osJson<Json[]>(['image', 'list'])).map((i) => String(i.Name)).sort();

  it('runs the actions through their states', async (t) => {
    if (skip) return t.skip(skip);
    const file = path.join(cloud.dir, 'cirros.img');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
    await os(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    const created = await osJson<Json>(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'vm1']);
    const id = String(created.id);

    // A snapshot, uploaded by the compute host: --wait waits for the image to be active.
    await os(['server', 'image', 'create', '--name', 'snap1', '--wait', 'vm1']);
    const snap = await osJson<Json>(['image', 'show', 'snap1']);
    assert.equal(snap.status, 'active');
    const props = JSON.stringify(snap.properties);
    assert.match(props, /"image_type": ?"snapshot"/);
    assert.match(props, new RegExp(`"instance_uuid": ?"${id}"`));
    assert.equal((await show('vm1')).status, 'ACTIVE');

    // Backups with a rotation of 2: the third one rotates the first out.
    for (const name of ['bk1', 'bk2', 'bk3']) {
      await os(['server', 'backup', 'create', '--name', name, '--type', 'daily', '--rotate', '2', '--wait', 'vm1']);
      await waitFor('vm1', 'ACTIVE');
    }
    await until(async () => !(await imageNames()).includes('bk1'), 30_000, 'bk1 rotated out', 300);
    assert.deepEqual(await imageNames(), ['bk2', 'bk3', 'cirros', 'snap1']);

    // Shelve: offloaded at once (shelved_offload_time 0), the host freed; unshelve brings it back, the shelved image goes.
    await os(['server', 'shelve', '--wait', 'vm1']);
    const shelved = await waitFor('vm1', 'SHELVED_OFFLOADED');
    assert.equal(shelved['OS-EXT-SRV-ATTR:host'], null);
    assert.ok((await imageNames()).includes('vm1-shelved'));
    const hypervisors = await osJson<Json[]>(['hypervisor', 'list', '--long']);
    assert.ok(
      hypervisors.every((h) => Number(h['Memory MB Used']) === 512),
      `no host holds the offloaded server (only the reserved 512 MB): ${JSON.stringify(hypervisors)}`,
    );
    await os(['server', 'unshelve', '--wait', 'vm1']);
    const back = await waitFor('vm1', 'ACTIVE');
    assert.ok(String(back['OS-EXT-SRV-ATTR:host']).startsWith('compute-'));
    await until(async () => !(await imageNames()).includes('vm1-shelved'), 30_000, 'shelved image deleted', 300);

    // Rescue from another image with a password, unrescue.
    await os(['server', 'rescue', '--image', 'cirros', '--password', 'rescue-pass', 'vm1']);
    await waitFor('vm1', 'RESCUE');
    await os(['server', 'unrescue', 'vm1']);
    await waitFor('vm1', 'ACTIVE');

    // The admin password, the state, a crash dump.
    await os(['server', 'set', '--password', 'n3w-pass', 'vm1']);
    await waitFor('vm1', 'ACTIVE');
    await os(['server', 'set', '--state', 'error', 'vm1']);
    assert.equal((await show('vm1')).status, 'ERROR');
    await os(['server', 'set', '--state', 'active', 'vm1']);
    assert.equal((await show('vm1')).status, 'ACTIVE');
    await os(['--os-compute-api-version', '2.17', 'server', 'dump', 'create', 'vm1']);
    const old = await os(['server', 'dump', 'create', 'vm1'], false);
    assert.notEqual(old.code, 0, 'trigger_crash_dump needs 2.17');
    const actions = await osJson<Json[]>(['server', 'event', 'list', 'vm1']);
    const names = actions.map((a) => a.Action);
    for (const a of ['createImage', 'createBackup', 'shelve', 'unshelve', 'rescue', 'unrescue', 'changePassword', 'resetState', 'trigger_crash_dump']) {
      assert.ok(names.includes(a), `${a} in ${JSON.stringify(names)}`);
    }

    // A deferred delete: SOFT_DELETED, restored, then deleted for good with --force.
    await os(['server', 'delete', id]);
    await waitFor(id, 'SOFT_DELETED');
    await os(['server', 'restore', id]);
    await waitFor(id, 'ACTIVE');
    await os(['server', 'delete', '--force', '--wait', id]);
    const gone = await os(['server', 'show', id], false);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /No server with a name or ID/);
  });

  it('answers the refusals the client shows', async (t) => {
    if (skip) return t.skip(skip);
    await osJson<Json>(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'vm2']);
    const r = await os(['server', 'unrescue', 'vm2'], false);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Cannot 'unrescue' instance [0-9a-f-]{36} while it is in vm_state active \(HTTP 409\)/);
    await os(['server', 'stop', 'vm2']);
    await waitFor('vm2', 'SHUTOFF');
    const pw = await os(['server', 'set', '--password', 'x', 'vm2'], false);
    assert.notEqual(pw.code, 0);
    assert.match(pw.stderr, /Cannot 'changePassword' instance [0-9a-f-]{36} while it is in vm_state stopped \(HTTP 409\)/);
    await os(['server', 'delete', '--force', '--wait', 'vm2']);
  });
});
