import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { runProgram, until } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * The unmodified Debian `openstack` and `nova` clients against a freshly
 * started cloud of separate processes (identity, image, api, conductor,
 * scheduler, compute) over RabbitMQ and MariaDB, with Keystone tokens.
 * Every output is checked for content.
 */
describe('the openstack and nova clients against the cloud', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (!skip) cloud = await startKeystoneCluster();
  });
  after(async () => {
    await cloud?.stop(); // undefined when skipped or when startKeystoneCluster failed (it cleaned up itself)
  });

  async function os(args: string[], env = cloud.adminEnv, expectOk = true): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const r = await runProgram('openstack', args, env);
    if (expectOk) assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r;
  }
  const osJson = async <T = Json>(args: string[], env = cloud.adminEnv): Promise<T> => JSON.parse((await os([...args, '-f', 'json'], env)).stdout) as T;
  const status = async (name: string) => (await osJson<Json>(['server', 'show', name])).status;
  const waitStatus = (name: string, want: string) => until(async () => (await status(name)) === want, 60_000, `${name} ${want}`, 300);

  it('runs the scripted session', async (t) => {
    if (skip) return t.skip(skip);
    const token = await osJson<Json>(['token', 'issue']);
    assert.match(String(token.id), /^\S{20,}$/);
    assert.match(String(token.project_id), /^[0-9a-f]{32}$/);

    const file = path.join(cloud.dir, 'cirros.img');
    fs.writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 7));
    await os(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    const images = await osJson<Json[]>(['image', 'list']);
    assert.deepEqual(
      images.map((i) => [i.Name, i.Status]),
      [['cirros', 'active']],
    );

    const flavors = await osJson<Json[]>(['flavor', 'list']);
    assert.ok(flavors.some((f) => f.Name === 'm1.tiny' && f.RAM === 512 && f.VCPUs === 1));
    const created = await osJson<Json>(['flavor', 'create', '--ram', '256', '--disk', '1', '--vcpus', '1', 'e2e.small']);
    assert.equal(created.name, 'e2e.small');
    assert.equal(created.ram, 256);

    const key = await os(['keypair', 'create', 'k1']);
    assert.match(key.stdout, /-----BEGIN (RSA |OPENSSH )?PRIVATE KEY-----/);

    const server = await osJson<Json>(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--key-name', 'k1', '--wait', 'vm1']);
    assert.equal(server.status, 'ACTIVE');
    const list = await osJson<Json[]>(['server', 'list']);
    assert.deepEqual(
      list.map((s) => [s.Name, s.Status, s.Image, s.Flavor]),
      [['vm1', 'ACTIVE', 'cirros', 'm1.tiny']],
    );
    const shown = await osJson<Json>(['server', 'show', 'vm1']);
    assert.equal(shown.key_name, 'k1');
    assert.equal(shown['OS-EXT-SRV-ATTR:host'], 'compute-1');
    assert.equal(shown['OS-EXT-STS:power_state'], 1);

    await os(['server', 'stop', 'vm1']);
    await waitStatus('vm1', 'SHUTOFF');
    await os(['server', 'start', 'vm1']);
    await waitStatus('vm1', 'ACTIVE');
    await os(['server', 'reboot', 'vm1']);
    await waitStatus('vm1', 'ACTIVE');
    await os(['server', 'pause', 'vm1']);
    await waitStatus('vm1', 'PAUSED');
    await os(['server', 'unpause', 'vm1']);
    await waitStatus('vm1', 'ACTIVE');
    const log = await os(['console', 'log', 'show', 'vm1']);
    assert.match(log.stdout, /fake console of [0-9a-f-]{36}/);

    const services = await osJson<Json[]>(['compute', 'service', 'list']);
    assert.deepEqual(services.map((s) => s.Binary).sort(), ['nova-compute', 'nova-conductor', 'nova-scheduler']);
    assert.ok(services.every((s) => s.State === 'up' && s.Status === 'enabled'));
    await os(['compute', 'service', 'set', '--disable', '--disable-reason', 'maintenance', 'compute-1', 'nova-compute']);
    const disabled = await osJson<Json[]>(['compute', 'service', 'list', '--long']);
    const compute = disabled.find((s) => s.Binary === 'nova-compute') as Json;
    assert.equal(compute.Status, 'disabled');
    assert.equal(compute['Disabled Reason'], 'maintenance');
    await os(['compute', 'service', 'set', '--enable', 'compute-1', 'nova-compute']);

    const hypervisors = await osJson<Json[]>(['hypervisor', 'list']);
    assert.deepEqual(
      hypervisors.map((h) => [h['Hypervisor Hostname'], h['Hypervisor Type'], h.State]),
      [['compute-1', 'fake', 'up']],
    );
    const stats = await osJson<Json>(['--os-compute-api-version', '2.87', 'hypervisor', 'stats', 'show']);
    assert.equal(stats.count, 1);
    assert.equal(stats.running_vms, 1);
    const zones = await osJson<Json[]>(['availability', 'zone', 'list', '--compute']);
    assert.ok(zones.some((z) => z['Zone Name'] === 'nova' && z['Zone Status'] === 'available'));
    const limits = await osJson<Json[]>(['limits', 'show', '--absolute']);
    const byName = Object.fromEntries(limits.map((l) => [l.Name, l.Value]));
    assert.equal(byName.maxTotalInstances, 10);
    assert.equal(byName.totalInstancesUsed, 1);
    const quota = await osJson<Json>(['quota', 'show']);
    assert.equal(quota.instances, 10);
    assert.equal(quota.cores, 20);

    const novaEnv = { ...cloud.adminEnv, NOVA_ENDPOINT_TYPE: 'public' };
    const nlist = await runProgram('nova', ['list'], novaEnv);
    assert.equal(nlist.code, 0, nlist.stderr);
    assert.match(nlist.stdout, /\| vm1\s+\| ACTIVE\s+\|/);
    const nsvc = await runProgram('nova', ['service-list'], novaEnv);
    assert.equal(nsvc.code, 0, nsvc.stderr);
    assert.match(nsvc.stdout, /nova-compute\s+\| compute-1\s+\| nova\s+\| enabled\s+\| up/);
    const nhyp = await runProgram('nova', ['hypervisor-list'], novaEnv);
    assert.equal(nhyp.code, 0, nhyp.stderr);
    assert.match(nhyp.stdout, /compute-1\s+\| up\s+\| enabled/);

    await os(['server', 'delete', '--wait', 'vm1']);
    assert.deepEqual(await osJson<Json[]>(['server', 'list']), []);
  });

  it('enforces identity, ownership, roles and quotas', async (t) => {
    if (skip) return t.skip(skip);
    for (const [project, user, role] of [
      ['demo', 'alice', 'member'],
      ['demo', 'rita', 'reader'],
      ['other', 'bob', 'member'],
    ] as const) {
      await os(['project', 'create', '--or-show', project]);
      await os(['user', 'create', '--or-show', '--password', `${user}-pw`, '--project', project, user]);
      await os(['role', 'add', '--project', project, '--user', user, role]);
    }
    const alice = cloud.envFor('alice', 'alice-pw', 'demo');
    const bob = cloud.envFor('bob', 'bob-pw', 'other');
    const rita = cloud.envFor('rita', 'rita-pw', 'demo');

    const wrong = await os(['token', 'issue'], cloud.envFor('alice', 'not-her-password', 'demo'), false);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /401|authenticate|Unauthorized/i);

    const vm = await osJson<Json>(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'alice-vm'], alice);
    const id = String(vm.id);
    const bobs = await os(['server', 'show', id], bob, false);
    assert.notEqual(bobs.code, 0);
    assert.match(bobs.stderr, /No server with a name or ID of|could not be found|404/);
    const ritaDelete = await os(['server', 'delete', id], rita, false);
    assert.notEqual(ritaDelete.code, 0);
    assert.match(ritaDelete.stderr, /403|Policy doesn't allow os_compute_api:servers:delete/);
    assert.equal((await osJson<Json>(['server', 'show', id], rita)).status, 'ACTIVE', 'a reader may read');

    await os(['quota', 'set', '--instances', '1', 'demo']);
    const over = await os(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', 'alice-vm2'], alice, false);
    assert.notEqual(over.code, 0);
    assert.match(over.stderr, /Quota exceeded for instances: Requested 1, but already used 1 of 1 instances/);
    await os(['server', 'delete', '--wait', id], alice);
  });
});
