import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { mysqlSkip, openstackSkip, rabbitSkip } from '../support/backends.ts';
import { type KeystoneCluster, startKeystoneCluster } from '../support/keystone-cluster.ts';
import { freePort, runProgram, until } from '../support/procs.ts';

type Json = Record<string, unknown>;

/**
 * The Compute API's administrative and auxiliary resources with the
 * unmodified `openstack` and `nova` clients (and, for the compute image
 * proxy, which neither client reaches any more, the openstacksdk they are
 * built on) against separate processes over RabbitMQ and MariaDB: os-hosts,
 * os-simple-tenant-usage, server tags, quota classes and per-user quotas,
 * /images at 2.35, diagnostics, hypervisor show at 2.latest, the ip filter,
 * and the noVNC and xvpvnc consoles of the fake driver through
 * nova-consoleauth and nova-xvpvncproxy.
 */
describe('compute resources with the openstack and nova clients', () => {
  let skip: string | undefined;
  let cloud: KeystoneCluster;
  let xvpPort = 0;
  before(async () => {
    skip = (await openstackSkip()) ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    xvpPort = await freePort();
    cloud = await startKeystoneCluster({
      services: ['nova-consoleauth', 'nova-xvpvncproxy'],
      conf: { vnc: { xvpvncproxy_host: '127.0.0.1', xvpvncproxy_port: xvpPort, xvpvncproxy_base_url: `http://127.0.0.1:${xvpPort}/console` } },
    });
  });
  after(async () => {
    await cloud?.stop();
  });

  async function program(cmd: string, args: string[], env = cloud.adminEnv): Promise<string> {
    const r = await runProgram(cmd, args, env);
    assert.equal(r.code, 0, `${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }
  const os = (args: string[], env = cloud.adminEnv) => program('openstack', args, env);
  const nova = (args: string[], env = cloud.adminEnv) => program('nova', args, env);
  const osJson = async <T = Json>(args: string[], env = cloud.adminEnv): Promise<T> => JSON.parse(await os([...args, '-f', 'json'], env)) as T;
  /** The rows of one of novaclient's tables, cells trimmed. */
  const table = (out: string): string[][] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('|'))
      .slice(1)
      .map((l) =>
        l
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim()),
      );
  /** What an HTTP CONNECT to nova-xvpvncproxy with this token is answered. */
  const xvpConnect = (token: string) =>
    new Promise<string>((resolve, reject) => {
      let got = '';
      const s = net.connect(xvpPort, '127.0.0.1', () => s.write(`CONNECT /console?token=${token} HTTP/1.1\r\n\r\n`));
      s.on('data', (b: Buffer) => {
        got += b.toString('latin1');
      });
      s.on('error', reject);
      s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    });

  it('lists hosts and usage, tags servers, sets quotas per class and user, proxies images and opens consoles', async (t) => {
    if (skip) return t.skip(skip);
    const file = path.join(cloud.dir, 'cirros.img');
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 7));
    const image = await osJson(['image', 'create', '--file', file, '--disk-format', 'qcow2', '--container-format', 'bare', '--public', 'cirros']);
    const vm = await osJson(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'vm1']);
    const adminProject = String((await osJson(['project', 'show', 'admin'])).id);

    // os-hosts (2.1–2.42): every service's host and zone; a host's totals, use and use per project.
    const hosts = await osJson<Json[]>(['host', 'list']);
    assert.deepEqual(hosts.map((h) => [h['Host Name'], h.Service, h.Zone]).sort(), [
      ['compute-1', 'compute', 'nova'],
      ['controller', 'conductor', 'internal'],
      ['controller', 'consoleauth', 'internal'],
      ['controller', 'scheduler', 'internal'],
    ]);
    const host = await osJson<Json[]>(['host', 'show', 'compute-1']);
    assert.deepEqual(
      host.map((r) => [r.Project, r.CPU, r['Memory MB'], r['Disk GB']]),
      [
        ['(total)', 1000, 800000, 600000],
        ['(used_now)', 1, 1024, 1], // the host's reserved 512 MB counts, as in Nova
        ['(used_max)', 1, 512, 1],
        [adminProject, 1, 512, 1],
      ],
    );
    // OSC sends os-hosts no microversion header; from 2.43 the resource is gone.
    const token = String((await osJson(['token', 'issue'])).id);
    const gone = await fetch(`${cloud.computeUrl}/os-hosts`, { headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': 'compute 2.43' } });
    assert.equal(gone.status, 404);

    // os-simple-tenant-usage: list for all projects, show for one; nova's tables too.
    const usage = await osJson<Json[]>(['usage', 'list']);
    assert.equal(usage.length, 1);
    assert.equal(usage[0]?.Project, adminProject);
    const servers = usage[0]?.Servers as Json[];
    assert.deepEqual(
      servers.map((s) => [s.name, s.flavor, s.state, s.vcpus, s.memory_mb, s.local_gb, s.instance_id]),
      [['vm1', 'm1.tiny', 'active', 1, 512, 1, vm.id]],
    );
    assert.ok(Number(usage[0]?.['CPU Hours']) > 0);
    const mine = await osJson(['usage', 'show', '--project', 'admin']);
    assert.equal(mine.Project, adminProject);
    assert.equal((mine.Servers as Json[]).length, 1);
    assert.deepEqual(await osJson<Json[]>(['usage', 'list', '--start', '2020-01-01', '--end', '2020-02-01']), []);
    const [row] = table(await nova(['usage-list']));
    assert.deepEqual(row?.slice(0, 2), [adminProject, '1']);

    // Server tags (2.26): set, unset, list with nova's command.
    await os(['--os-compute-api-version', '2.26', 'server', 'set', '--tag', 'web', '--tag', 'db', 'vm1']);
    assert.deepEqual(table(await nova(['--os-compute-api-version', '2.26', 'server-tag-list', 'vm1'])), [['db'], ['web']]);
    await os(['--os-compute-api-version', '2.26', 'server', 'unset', '--tag', 'db', 'vm1']);
    assert.deepEqual(table(await nova(['--os-compute-api-version', '2.26', 'server-tag-list', 'vm1'])), [['web']]);
    assert.deepEqual((await osJson(['--os-compute-api-version', '2.26', 'server', 'show', 'vm1'])).tags, ['web']);

    // Quota classes: the default class feeds every project's defaults; another class falls back to nova.conf's.
    await os(['quota', 'set', '--class', '--instances', '15', '--cores', '30', 'default']);
    const classTable = Object.fromEntries(table(await nova(['quota-class-show', 'default'])));
    assert.equal(classTable.instances, '15');
    assert.equal(classTable.cores, '30');
    // OSC 6.0's `quota show --class X` looks X up as a project afterwards (for any Nova), so the class here is named as a project.
    const otherClass = await osJson(['--os-compute-api-version', '2.50', 'quota', 'show', '--class', 'admin']);
    assert.equal(otherClass.instances, 10);
    assert.equal(otherClass['server-groups'], 10);
    const projectQuota = await osJson(['quota', 'show']);
    assert.deepEqual([projectQuota.instances, projectQuota.cores], [15, 30]);

    // Per-user quotas (OSC has no --user: nova quota-update/quota-show --user), enforced on boot.
    await os(['project', 'create', 'demo']);
    const alice = String((await osJson(['user', 'create', '--password', 'alice-pw', '--project', 'demo', 'alice'])).id);
    await os(['role', 'add', '--project', 'demo', '--user', 'alice', 'member']);
    const demo = String((await osJson(['project', 'show', 'demo'])).id);
    await nova(['quota-update', '--user', alice, '--instances', '1', demo]);
    const userQuota = Object.fromEntries(table(await nova(['quota-show', '--user', alice, '--tenant', demo])));
    assert.equal(userQuota.instances, '1');
    assert.equal(userQuota.cores, '30');
    const tooMany = await runProgram('nova', ['quota-update', '--user', alice, '--instances', '99', demo], cloud.adminEnv);
    assert.notEqual(tooMany.code, 0);
    assert.match(tooMany.stderr, /Quota limit 99 for instances must be less than or equal to 15\. \(HTTP 400\)/);
    const aliceEnv = cloud.envFor('alice', 'alice-pw', 'demo');
    await os(['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', '--wait', 'a1'], aliceEnv);
    const over = await runProgram('openstack', ['server', 'create', '--image', 'cirros', '--flavor', 'm1.tiny', 'a2'], aliceEnv);
    assert.notEqual(over.code, 0);
    assert.match(over.stderr, /Quota exceeded for instances: Requested 1, but already used 1 of 1 instances \(HTTP 403\)/);
    await os(['server', 'delete', '--wait', 'a1'], aliceEnv);

    // The compute image proxy: neither client reaches it any more (novaclient 18 and OSC ask the image
    // service), their openstacksdk does: /images at 2.35, 404 from 2.36.
    const sdk = (mv: string) =>
      runProgram(
        '/usr/bin/python3',
        [
          '-c',
          `import json, openstack, warnings
warnings.simplefilter('ignore')
c = openstack.connect(compute_default_microversion='${mv}')
images = [i.to_dict(computed=False) for i in c.compute.images()]
shown = c.compute.get_image(images[0]['id']).to_dict(computed=False) if images else None
print(json.dumps({'list': images, 'show': shown}))`,
        ],
        cloud.adminEnv,
      );
    const proxied = await sdk('2.35');
    assert.equal(proxied.code, 0, proxied.stderr);
    const { list, show } = JSON.parse(proxied.stdout) as { list: Json[]; show: Json };
    assert.deepEqual(
      list.map((i) => [i.id, i.name, i.status, i.progress, i.size, i.min_disk, i.min_ram]),
      [[image.id, 'cirros', 'ACTIVE', 100, 1024 * 1024, 0, 0]],
    );
    assert.equal(show.id, image.id);
    assert.ok((show.links as Json[]).some((l) => l.rel === 'alternate' && String(l.href).startsWith(`${cloud.imageUrl}/images/`)));
    const removed = await sdk('2.36');
    assert.notEqual(removed.code, 0);
    assert.match(removed.stderr, /ResourceNotFound: 404/);

    // Diagnostics: the driver's dict before 2.48, the standard format from it.
    const legacy = await osJson(['server', 'show', '--diagnostics', 'vm1']);
    assert.equal(legacy.memory, 524288);
    assert.equal(typeof legacy.cpu0_time, 'number');
    const standard = await osJson(['--os-compute-api-version', '2.48', 'server', 'show', '--diagnostics', 'vm1']);
    assert.deepEqual([standard.driver, standard.hypervisor, standard.state, standard.num_cpus], ['fake', 'fake', 'running', 1]);
    assert.deepEqual(standard.memory_details, { maximum: 512, used: 0 });

    // hypervisor show at 2.latest: uptime is a string there (a null crashes this client).
    const hypervisor = await osJson(['--os-compute-api-version', '2.latest', 'hypervisor', 'show', 'compute-1']);
    assert.equal(hypervisor.hypervisor_hostname, 'compute-1');
    assert.equal(hypervisor.state, 'up');
    assert.equal(typeof hypervisor.uptime, 'string');
    assert.match(String(hypervisor.load_average), /^\d+\.\d\d, \d+\.\d\d, \d+\.\d\d$/);

    // The ip filter is applied: without a network service no server has a fixed address.
    assert.equal((await osJson<Json[]>(['server', 'list'])).length, 1);
    assert.deepEqual(await osJson<Json[]>(['server', 'list', '--ip', '10.0.0.1']), []);
    assert.deepEqual(await osJson<Json[]>(['server', 'list', '--ip', '.*']), []);

    // Consoles of the fake driver: a noVNC URL, and an xvpvnc one whose token nova-xvpvncproxy accepts.
    const novnc = await osJson(['console', 'url', 'show', '--novnc', 'vm1']);
    assert.deepEqual([novnc.type, novnc.protocol], ['novnc', 'vnc']);
    assert.match(String(novnc.url), /^http:\/\/127\.0\.0\.1:6080\/vnc_lite\.html\?path=%3Ftoken%3D[\w-]+$/);
    const [xvp] = table(await nova(['get-vnc-console', 'vm1', 'xvpvnc']));
    assert.equal(xvp?.[0], 'xvpvnc');
    const url = new URL(String(xvp?.[1]));
    assert.equal(url.origin, `http://127.0.0.1:${xvpPort}`);
    const xvpToken = url.searchParams.get('token') ?? '';
    assert.match(xvpToken, /^[\w-]{20,}$/);
    assert.equal(await xvpConnect('not-a-token'), 'HTTP/1.1 401 Not Authorized');
    // A valid token passes nova-consoleauth; the fake's console host (fakevncconsole.com) is not there to connect to.
    assert.equal(await xvpConnect(xvpToken), 'HTTP/1.1 400 Invalid Request');
    const proxy = cloud.daemons.find((d) => d.name === 'nova-xvpvncproxy');
    await until(async () => proxy?.output.some((l) => l.includes('Cannot connect to the console')) ?? false, 10_000, 'the token accepted');

    await os(['server', 'delete', '--wait', 'vm1']);
  });
});
