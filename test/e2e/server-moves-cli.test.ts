import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { Daemon, runProgram, until } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * Server moves with the unmodified `openstack` and `nova` clients against
 * separate processes over RabbitMQ and MariaDB, three fake compute hosts
 * whose guests persist in files: resize (confirm, revert), cold migration,
 * live migration with its progress, shown, aborted and forced to complete,
 * the clients' refusals (same flavor, nothing to confirm, a host still up), rebuild, and
 * evacuation from a host that died — whose nova-compute, back, removes the
 * guest that left.
 */
describe('moving servers with the openstack and nova clients', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  const guestsFile = (host: string) => path.join(cloud.dir, host, 'fake-guests.json');
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (!skip) {
      cloud = await startKeystoneCluster({
        computes: 3,
        conf: { fake: { memory_mb: 8192, vcpus: 16, local_gb: 200, live_migration_ms: 30000, guests_file: '$state_path/fake-guests.json' } },
      });
    }
  });
  after(async () => {
    await cloud?.stop();
  });

  async function os(args: string[], env = cloud.adminEnv): Promise<string> {
    const r = await runProgram('openstack', args, env);
    assert.equal(r.code, 0, `openstack ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  /** A command the client must fail with `error` on stderr. */
  async function refused(program: 'openstack' | 'nova', args: string[], error: RegExp): Promise<void> {
    const r = await runProgram(program, args, cloud.adminEnv);
    assert.notEqual(r.code, 0, `${program} ${args.join(' ')} should fail\n${r.stdout}`);
    assert.match(r.stderr, error);
  }
  const osJson = async <T = Json>(args: string[]): Promise<T> => JSON.parse(await os([...args, '-f', 'json'])) as T;
  const show = (name: string) => osJson<Json>(['--os-compute-api-version', '2.80', 'server', 'show', name]);
  const hostOf = async (name: string) => String((await show(name))['OS-EXT-SRV-ATTR:host']);
  const waitFor = (name: string, status: string, timeoutMs = 60_000) =>
    until(
      async () => {
        const s = await show(name);
        return s.status === status && s['OS-EXT-STS:task_state'] === null;
      },
      timeoutMs,
      `${name} ${status}`,
      300,
    );

  it('resizes, migrates, live-migrates, rebuilds and evacuates a server', async (t) => {
    if (skip) return t.skip(skip);
    const file = path.join(cloud.dir, 'cirros.img');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
    await os(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    await osJson(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'mover']);
    const first = await hostOf('mover');

    // Resize and confirm: another host, the new flavor.
    await os(['server', 'resize', '--flavor', 'm1.small', '--wait', 'mover']);
    assert.equal((await show('mover')).status, 'VERIFY_RESIZE');
    await os(['server', 'resize', 'confirm', 'mover']);
    await waitFor('mover', 'ACTIVE');
    const resized = await show('mover');
    assert.match(JSON.stringify(resized.flavor), /m1\.small/);
    const second = String(resized['OS-EXT-SRV-ATTR:host']);
    assert.notEqual(second, first);
    // The refusals: the same flavor, a confirm with nothing to confirm, an evacuation from a host that is up.
    await refused('openstack', ['server', 'resize', '--flavor', 'm1.small', 'mover'], /When resizing, instances must change flavor! \(HTTP 400\)/);
    await refused('openstack', ['server', 'resize', 'confirm', 'mover'], /Cannot 'confirmResize' instance [0-9a-f-]{36} while it is in vm_state active \(HTTP 409\)/);
    await refused('nova', ['evacuate', 'mover'], new RegExp(`Compute service of ${second} is still in use. \\(HTTP 400\\)`));

    // Resize and revert: back where it was, as it was.
    await os(['server', 'resize', '--flavor', 'm1.medium', '--wait', 'mover']);
    await os(['server', 'resize', 'revert', 'mover']);
    await waitFor('mover', 'ACTIVE');
    assert.match(JSON.stringify((await show('mover')).flavor), /m1\.small/);
    assert.equal(await hostOf('mover'), second);

    // Cold migration, confirmed through the migration commands.
    await os(['server', 'migrate', '--wait', 'mover']);
    assert.equal((await show('mover')).status, 'VERIFY_RESIZE');
    await os(['server', 'migration', 'confirm', 'mover']);
    await waitFor('mover', 'ACTIVE');
    const third = await hostOf('mover');
    assert.notEqual(third, second);
    const migrations = await osJson<Json[]>(['--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', 'mover']);
    assert.deepEqual(migrations.map((m) => [m.Type ?? m['Migration Type'], m.Status]).sort(), [
      ['migration', 'confirmed'],
      ['resize', 'confirmed'],
      ['resize', 'reverted'],
    ]);

    // A live migration shown while it runs, then aborted: the server stays where it was.
    await os(['--os-compute-api-version', '2.30', 'server', 'migrate', '--live-migration', 'mover']);
    const runningId = await until(
      async () => {
        const [m] = await osJson<Json[]>(['--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', 'mover', '--status', 'running']);
        return m ? String(m.Id ?? m.ID) : null;
      },
      30_000,
      'a running live migration to abort',
      200,
    );
    const shown = JSON.stringify(await osJson(['--os-compute-api-version', '2.80', 'server', 'migration', 'show', 'mover', runningId]));
    assert.match(shown, /"Status":"running"/);
    assert.match(shown, new RegExp(`"Source Compute":"${third}"`));
    await os(['--os-compute-api-version', '2.24', 'server', 'migration', 'abort', 'mover', runningId]);
    await until(
      async () => {
        const all = await osJson<Json[]>(['--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', 'mover', '--type', 'live-migration']);
        return all.some((m) => String(m.Id ?? m.ID) === runningId && m.Status === 'cancelled');
      },
      30_000,
      'the live migration cancelled',
      300,
    );
    await waitFor('mover', 'ACTIVE');
    assert.equal(await hostOf('mover'), third);
    await refused('openstack', ['--os-compute-api-version', '2.80', 'server', 'migration', 'show', 'mover', runningId], /not in progress|HTTP 404/);

    // Live migration to a named host: seen running with progress, then forced to complete.
    const target = ['compute-1', 'compute-2', 'compute-3'].find((h) => h !== third) ?? '';
    await os(['--os-compute-api-version', '2.30', 'server', 'migrate', '--live-migration', '--host', target, 'mover']);
    let listed = '';
    await until(
      async () => {
        listed = (await runProgram('nova', ['--os-compute-api-version', '2.80', 'server-migration-list', 'mover'], cloud.adminEnv)).stdout;
        // Running, with its first progress (the 2 GiB of m1.small to copy).
        return /running/.test(listed) && /2147483648/.test(listed);
      },
      30_000,
      'a running live migration',
      200,
    );
    assert.match(listed, /Total Memory Bytes/);
    const [running] = await osJson<Json[]>(['--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', 'mover', '--status', 'running']);
    assert.ok(running, 'openstack server migration list --status running');
    await os(['--os-compute-api-version', '2.22', 'server', 'migration', 'force', 'complete', 'mover', String(running.Id ?? running.ID)]);
    await waitFor('mover', 'ACTIVE');
    assert.equal(await hostOf('mover'), target);

    // Rebuild keeps it where it is.
    await os(['server', 'rebuild', '--image', 'cirros', '--wait', 'mover']);
    assert.equal(await hostOf('mover'), target);

    // Evacuation: its host dies, the service is seen down, the server comes up elsewhere.
    const daemon = cloud.daemons.find((d) => d.name === target);
    assert.ok(daemon);
    await daemon.stop();
    await until(
      async () => {
        const services = await osJson<Json[]>(['compute', 'service', 'list', '--service', 'nova-compute']);
        return services.some((s) => s.Host === target && s.State === 'down');
      },
      30_000,
      `${target} down`,
      500,
    );
    // openstack 6.0's `server evacuate` cannot read novaclient's answer (a tuple, for any Nova): the nova client's command instead.
    const evac = await runProgram('nova', ['--os-compute-api-version', '2.29', 'evacuate', 'mover'], cloud.adminEnv);
    assert.equal(evac.code, 0, `nova evacuate\n${evac.stdout}\n${evac.stderr}`);
    await waitFor('mover', 'ACTIVE');
    const rescued = await hostOf('mover');
    assert.notEqual(rescued, target);
    const evacuations = await osJson<Json[]>(['--os-compute-api-version', '2.80', 'server', 'migration', 'list', '--server', 'mover', '--type', 'evacuation']);
    assert.equal(evacuations.length, 1);

    // The dead host comes back: its nova-compute removes the guest that left while it was down.
    const restarted = new Daemon(target, 'nova-compute', ['--config-file', path.join(cloud.dir, `${target}.conf`)]);
    cloud.daemons.push(restarted);
    await restarted.waitFor(/removed the guest of an instance evacuated/, 60_000);
    const left = JSON.parse(fs.readFileSync(guestsFile(target), 'utf8')) as { uuid: string }[];
    const id = String((await show('mover')).id);
    assert.equal(
      left.some((g) => g.uuid === id),
      false,
      'the evacuated guest is gone from its old host',
    );

    await os(['server', 'delete', '--wait', 'mover']);
  });
});
