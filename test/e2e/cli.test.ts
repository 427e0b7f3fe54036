import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, parseTable, run, tmpDir, until, writeConf } from '../support/procs.ts';

/**
 * The `nova` client against a real all-in-one process: boot with --wait,
 * list, show, the lifecycle actions, the admin listings and the error
 * messages, each command run as its own process through bin/nova.js.
 */
describe('nova command-line client against the all-in-one', () => {
  let dir = '';
  let cloud: Daemon | null = null;
  let endpoint = '';
  let serverId = '';
  const NAME = 'cli-vm1';

  const nova = (args: string[], env: Record<string, string> = {}) =>
    run('nova', args, { NOVA_ENDPOINT: endpoint, OS_TOKEN: 'admin:admin', OS_AUTH_URL: '', OS_COMPUTE_API_VERSION: '', ...env });

  /** `nova list` as rows, asserting it succeeded. */
  async function listRows(): Promise<Record<string, string>[]> {
    const r = await nova(['list']);
    assert.equal(r.code, 0, r.stderr);
    return parseTable(r.stdout);
  }

  /** A Property/Value table as an object. */
  const propsOf = (stdout: string): Record<string, string | undefined> => Object.fromEntries(parseTable(stdout).map((x) => [x.Property ?? '', x.Value]));

  const settled = (status: string, power: string) => async () => {
    const row = (await listRows()).find((x) => x.Name === NAME);
    return row?.Status === status && row['Power State'] === power && row['Task State'] === '-';
  };
  const waitForState = (status: string, power: string) => until(settled(status, power), 20_000, `${NAME} ${status}/${power}`);

  before(async () => {
    dir = tmpDir('nova-cli-e2e-');
    const conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: path.join(dir, 'state'), report_interval: 1, host: 'cli-host' },
      // A small page size, so that `nova list` has to follow servers_links.
      api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: 0, max_limit: 2, auth_strategy: 'noauth2' },
      glance: { api_servers: '' },
    });
    cloud = new Daemon('nova-all', 'nova-all', ['--config-file', conf], { NOVA_LOG_LEVEL: 'warn' });
    const line = await cloud.waitFor(/Compute API:\s+http\S+/, 60_000);
    endpoint = /(http\S+)/.exec(line)?.[1] ?? '';
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/v2\.1$/);
  });

  after(async () => {
    await cloud?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('boots a server by flavor name and waits for it, reporting progress', async () => {
    const r = await nova(['boot', '--flavor', 'm1.tiny', '--image', 'cirros', '--meta', 'role=test', '--description', 'from the cli', '--wait', NAME]);
    assert.equal(r.code, 0, r.stderr);
    const props = propsOf(r.stdout);
    assert.equal(props.name, NAME);
    assert.equal(props['flavor:original_name'], 'm1.tiny');
    assert.equal(props.metadata, '{"role": "test"}');
    assert.equal(props.description, 'from the cli');
    assert.match(props.adminPass ?? '', /^\S+$/);
    serverId = props.id ?? '';
    assert.match(serverId, /^[0-9a-f-]{36}$/);
    const progress = r.stdout.split('\n').filter((l) => l.startsWith(`Server ${NAME}:`));
    assert.ok(progress.length >= 1, r.stdout);
    for (const l of progress) assert.match(l, new RegExp(`^Server ${NAME}: (BUILD( \\([a-z_-]+\\))?|ACTIVE)$`));
    assert.equal(progress.at(-1), `Server ${NAME}: ACTIVE`);
  });

  it('lists the server as ACTIVE and Running', async () => {
    const r = await nova(['list']);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseTable(r.stdout);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['ID', 'Name', 'Status', 'Task State', 'Power State', 'Networks']);
    const row = rows.find((x) => x.Name === NAME);
    assert.deepEqual(row, { ID: serverId, Name: NAME, Status: 'ACTIVE', 'Task State': '-', 'Power State': 'Running', Networks: '' });
    const filtered = parseTable((await nova(['list', '--name', '^cli-', '--status', 'ACTIVE', '--limit', '5'])).stdout);
    assert.deepEqual(
      filtered.map((x) => x.Name),
      [NAME],
    );
  });

  it('shows the server by name', async () => {
    const r = await nova(['show', NAME]);
    assert.equal(r.code, 0, r.stderr);
    const props = propsOf(r.stdout);
    assert.equal(props.id, serverId);
    assert.equal(props.status, 'ACTIVE');
    assert.equal(props['OS-EXT-STS:vm_state'], 'active');
    assert.equal(props['OS-EXT-SRV-ATTR:host'], 'cli-host');
    // Before 2.47 the server names its flavor by id, which novaclient looks up.
    const old = await nova(['--os-compute-api-version', '2.1', 'show', serverId]);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(propsOf(old.stdout).flavor, 'm1.tiny (1)');
  });

  it('stops the server; pause is then refused with the 409 message', async () => {
    const r = await nova(['stop', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `Request to stop server ${NAME} (${serverId}) has been accepted.`);
    await waitForState('SHUTOFF', 'Shutdown');
    const p = await nova(['pause', NAME]);
    assert.equal(p.code, 1);
    assert.equal(p.stdout, '');
    assert.match(
      p.stderr.trim(),
      new RegExp(`^ERROR \\(Conflict\\): Cannot 'pause' instance ${serverId} while it is in vm_state stopped \\(HTTP 409\\) \\(Request-ID: req-[0-9a-f-]+\\)$`),
    );
  });

  it('starts and reboots the server', async () => {
    const s = await nova(['start', serverId]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /Request to start server .* has been accepted\./);
    await waitForState('ACTIVE', 'Running');
    const r = await nova(['reboot', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `Request to reboot server ${NAME} (${serverId}) has been accepted.`);
    await waitForState('ACTIVE', 'Running');
    const h = await nova(['reboot', '--hard', NAME]);
    assert.equal(h.code, 0, h.stderr);
    await waitForState('ACTIVE', 'Running');
  });

  it('prints the console log', async () => {
    const r = await nova(['console-log', '--length', '5', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.trim().length > 0, 'console output');
    assert.ok(!r.stdout.includes('+--'), 'printed as is, not as a table');
  });

  it('lists the services, all up', async () => {
    const rows = await until(
      async () => {
        const r = await nova(['service-list']);
        if (r.code !== 0) throw new Error(r.stderr.trim());
        const l = parseTable(r.stdout);
        const binaries = new Set(l.map((x) => x.Binary));
        return ['nova-conductor', 'nova-scheduler', 'nova-compute'].every((b) => binaries.has(b)) && l.every((x) => x.State === 'up') ? l : null;
      },
      20_000,
      'conductor, scheduler and compute up',
    );
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated_at', 'Disabled Reason', 'Forced down']);
    const compute = rows.find((x) => x.Binary === 'nova-compute');
    assert.equal(compute?.Host, 'cli-host');
    assert.equal(compute?.Zone, 'nova');
    assert.equal(compute?.Status, 'enabled');
    assert.equal(compute?.['Forced down'], 'False');
    assert.match(compute?.Id ?? '', /^[0-9a-f-]{36}$/);
    const only = parseTable((await nova(['service-list', '--binary', 'nova-scheduler'])).stdout);
    assert.deepEqual(
      only.map((x) => x.Binary),
      ['nova-scheduler'],
    );
  });

  it('lists the hypervisors and their statistics', async () => {
    const l = await nova(['hypervisor-list']);
    assert.equal(l.code, 0, l.stderr);
    const rows = parseTable(l.stdout);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['ID', 'Hypervisor hostname', 'State', 'Status']);
    assert.deepEqual(
      rows.map((x) => [x['Hypervisor hostname'], x.State, x.Status]),
      [['cli-host', 'up', 'enabled']],
    );
    const s = await nova(['hypervisor-stats']);
    assert.equal(s.code, 0, s.stderr);
    const stats = propsOf(s.stdout);
    assert.equal(stats.count, '1');
    for (const k of ['vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used', 'free_ram_mb', 'running_vms']) assert.match(stats[k] ?? '', /^\d+$/, `${k} in\n${s.stdout}`);
  });

  it('lists the flavors', async () => {
    const r = await nova(['flavor-list']);
    assert.equal(r.code, 0, r.stderr);
    const rows = parseTable(r.stdout);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ['ID', 'Name', 'Memory_MiB', 'Disk', 'Ephemeral', 'Swap', 'VCPUs', 'RXTX_Factor', 'Is_Public', 'Description']);
    const tiny = rows.find((x) => x.Name === 'm1.tiny');
    assert.deepEqual(tiny, {
      ID: '1',
      Name: 'm1.tiny',
      Memory_MiB: '512',
      Disk: '1',
      Ephemeral: '0',
      Swap: '0',
      VCPUs: '1',
      RXTX_Factor: '1.0',
      Is_Public: 'True',
      Description: '-',
    });
  });

  it('lists the availability zones and keypairs; refuses admin listings to a member', async () => {
    const az = await nova(['availability-zone-list']);
    assert.equal(az.code, 0, az.stderr);
    // The tree's "|" would confuse parseTable: match the lines.
    for (const re of [/^\| internal +\| available +\|$/m, /^\| nova +\| available +\|$/m, /^\| \|- cli-host +\| +\|$/m, /^\| \| \|- nova-compute +\| enabled :-\) \S+ +\|$/m])
      assert.match(az.stdout, re);
    const kp = await nova(['keypair-list']);
    assert.equal(kp.code, 0, kp.stderr);
    assert.match(kp.stdout, /^\| Name \| Type \| Fingerprint \|$/m);
    const denied = await nova(['service-list'], { OS_TOKEN: 'demo:demo' });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr.trim(), /^ERROR \(Forbidden\): Policy doesn't allow os_compute_api:os-services:list to be performed\. \(HTTP 403\) \(Request-ID: req-\S+\)$/);
  });

  it('follows the pages of the server list; --limit takes one page', async () => {
    const b = await nova(['boot', '--flavor', '42', '--image', 'cirros', '--min-count', '3', 'cli-many']);
    assert.equal(b.code, 0, b.stderr);
    const names = ['cli-many-1', 'cli-many-2', 'cli-many-3'];
    // Three servers of ours plus cli-vm1: more than one page of two.
    const active = async () => {
      const l = await listRows();
      return l.filter((x) => names.includes(x.Name ?? '') && x.Status === 'ACTIVE').length === 3 ? l : null;
    };
    const rows = await until(active, 20_000, 'three servers ACTIVE');
    assert.ok(rows.length >= 4, 'every page listed');
    assert.equal(parseTable((await nova(['list', '--limit', '2'])).stdout).length, 2);
    const d = await nova(['delete', ...names]);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout.trim().split('\n').length, 3);
  });

  it('ends boot --wait with the fault when the server goes to ERROR', async () => {
    const r = await nova(['boot', '--flavor', 'm1.tiny', '--image', 'cirros', '--hint', 'same_host=00000000-0000-4000-8000-000000000000', '--wait', 'cli-bad']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Server cli-bad: ERROR$/m);
    assert.match(r.stderr.trim(), /^ERROR \(ResourceInErrorState\): Server cli-bad is in the error state due to 'No valid host was found\..*'\.$/);
    assert.equal((await nova(['delete', 'cli-bad'])).code, 0);
  });

  it('deletes the server', async () => {
    const r = await nova(['delete', NAME]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `Request to delete server ${NAME} (${serverId}) has been accepted.`);
    await until(async () => !(await listRows()).some((x) => x.ID === serverId), 20_000, `${NAME} gone from the list`);
  });

  it('reports an unknown server as novaclient', async () => {
    const r = await nova(['show', 'no-such-server']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), "ERROR (CommandError): No server with a name or ID of 'no-such-server' exists.");
    const d = await nova(['delete', 'no-such-server']);
    assert.equal(d.code, 1);
    assert.match(d.stderr, /No server with a name or ID of 'no-such-server' exists\.\nERROR \(CommandError\): Unable to delete the specified server\(s\)\./);
  });

  it('reports an unreachable API in one line', async () => {
    const r = await nova(['list'], { NOVA_ENDPOINT: 'http://127.0.0.1:59998/v2.1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr.trim(), /^ERROR \(ConnectFailure\): Unable to establish connection to http:\/\/127\.0\.0\.1:59998\/v2\.1: .*ECONNREFUSED/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});
