import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, freePort, runProgram, tmpDir, writeConf } from '../support/procs.ts';

/**
 * The all-in-one under Keystone, as the README's quick start runs it, with
 * the unmodified `openstack` client: its first start made the shared
 * network `private` (10.0.0.0/24), so `server create` without --network
 * boots on it (2.37+ 'auto' picks the only network) with an address from
 * it, `server add/remove security group` change its port's groups, and
 * the delete removes the port.
 */
describe('all-in-one: the default network', () => {
  let dir = '';
  let cloud: Daemon | null = null;
  let env: Record<string, string> = {};
  const os = (...args: string[]) => runProgram('openstack', args, env);
  const json = async (...args: string[]) => {
    const r = await os(...args, '-f', 'json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    dir = tmpDir('nova-aio-net-');
    const state = path.join(dir, 'state');
    const conf = writeConf(path.join(dir, 'nova.conf'), {
      DEFAULT: { state_path: state, report_interval: 1, host: 'aio-host', my_ip: '127.0.0.1' },
      api: { osapi_compute_listen: '127.0.0.1', osapi_compute_listen_port: await freePort(), metadata_listen: '127.0.0.1', metadata_listen_port: await freePort() },
      identity: { listen_port: await freePort() },
      glance: { api_servers: '' },
      glance_api: { bind_host: '127.0.0.1', bind_port: await freePort() },
      neutron_server: { bind_host: '127.0.0.1', bind_port: await freePort(), send_events_interval: 0 },
      volume_server: { bind_host: '127.0.0.1', bind_port: await freePort() },
      volume: { export_address: '127.0.0.1', export_port: await freePort() },
      vnc: { novncproxy_port: await freePort(), xvpvncproxy_port: await freePort() },
    });
    cloud = new Daemon('nova-all', 'nova-all', ['--config-file', conf], { NOVA_LOG_LEVEL: 'warn' });
    await cloud.waitFor(/Stop with Ctrl-C/, 90_000);
    env = { OS_CLIENT_CONFIG_FILE: path.join(state, 'clouds.yaml'), OS_CLOUD: 'nova-ts' };
  });
  after(async () => {
    await cloud?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('boots without --network on the shared network private and deletes its port', async () => {
    const nets = await json('network', 'list');
    const priv = nets.find((n: { Name: string }) => n.Name === 'private');
    assert.ok(priv, JSON.stringify(nets));
    const subnet = await json('subnet', 'show', 'private-subnet');
    assert.equal(subnet.cidr, '10.0.0.0/24');
    const file = path.join(dir, 'disk.img');
    fs.writeFileSync(file, Buffer.alloc(1024, 1));
    await json('image', 'create', '--disk-format', 'qcow2', '--container-format', 'bare', '--public', '--file', file, 'cirros');
    const server = await json('server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--wait', 'aio-vm');
    assert.equal(server.status, 'ACTIVE');
    const shown = await json('server', 'show', server.id);
    assert.match(JSON.stringify(shown.addresses), /10\.0\.0\.\d+/);
    const ports = await json('port', 'list', '--server', server.id);
    assert.equal(ports.length, 1);
    // The compute API's addSecurityGroup/removeSecurityGroup (what `server add/remove security group` send) change the port's groups.
    const web = await json('security', 'group', 'create', 'web');
    assert.equal((await os('server', 'add', 'security', 'group', server.id, 'web')).code, 0);
    assert.ok((await json('port', 'show', ports[0].ID)).security_group_ids.includes(web.id));
    assert.match(JSON.stringify((await json('server', 'show', server.id)).security_groups), /web/);
    const rm = await os('server', 'remove', 'security', 'group', server.id, 'web');
    assert.equal(rm.code, 0, rm.stderr);
    assert.ok(!(await json('port', 'show', ports[0].ID)).security_group_ids.includes(web.id));
    const del = await os('server', 'delete', '--wait', server.id);
    assert.equal(del.code, 0, del.stderr);
    assert.deepEqual(await json('port', 'list', '--device-id', server.id), []);
  });

  it('serves volumes too: the catalog has the volume service, a volume is made and deleted', async () => {
    const vol = await json('volume', 'create', '--size', '1', 'aio-vol');
    assert.equal(vol.size, 1);
    const deadline = Date.now() + 60_000;
    while ((await json('volume', 'show', 'aio-vol')).status !== 'available') {
      assert.ok(Date.now() < deadline, 'volume not available');
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal((await os('volume', 'delete', 'aio-vol')).code, 0);
  });
});
