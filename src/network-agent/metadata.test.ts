import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AgentPort, AgentSubnet, HostState } from '../network/rpc-types.ts';
import { dnsmasqFiles } from './dhcp.ts';
import { MetadataAgent } from './metadata.ts';

const quiet = { info() {}, warn() {} };

function port(over: Partial<AgentPort>): AgentPort {
  return {
    id: 'p',
    network_id: 'net1',
    mac_address: 'fa:16:3e:00:00:01',
    fixed_ips: [],
    device_owner: 'compute:nova',
    device_id: '',
    project_id: 'proj1',
    host: 'c1',
    admin_state_up: true,
    port_security_enabled: true,
    security_groups: [],
    allowed_address_pairs: [],
    ...over,
  };
}

const subnet: AgentSubnet = {
  id: 's1',
  network_id: 'net1',
  cidr: '10.0.0.0/24',
  ip_version: 4,
  gateway_ip: '10.0.0.1',
  enable_dhcp: true,
  dns_nameservers: [],
  host_routes: [{ destination: '192.168.0.0/16', nexthop: '10.0.0.9' }],
};

describe('network agent: isolated metadata', () => {
  it('dnsmasq pushes the metadata route by the DHCP port and the default route by the gateway as classless static routes', () => {
    const dhcp = port({ id: 'd', device_owner: 'network:dhcp', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.2' }] });
    const { opts } = dnsmasqFiles('/x', 'ns-d', [subnet], [dhcp], 'openstacklocal', dhcp);
    const routes = '192.168.0.0/16,10.0.0.9,169.254.169.254/32,10.0.0.2,0.0.0.0/0,10.0.0.1';
    assert.deepEqual(opts.trim().split('\n'), ['tag:subnet-s1,option:router,10.0.0.1', `tag:subnet-s1,option:classless-static-route,${routes}`, `tag:subnet-s1,249,${routes}`]);
    const off = dnsmasqFiles('/x', 'ns-d', [{ ...subnet, host_routes: [] }], [dhcp], 'openstacklocal');
    assert.equal(off.opts, 'tag:subnet-s1,option:router,10.0.0.1\n');
  });

  describe('the agent side', () => {
    const SECRET = 's3cret';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-md-agent-'));
    const socket = path.join(dir, 'metadata_proxy');
    let seen: http.IncomingHttpHeaders[] = [];
    let nova: http.Server;
    let agent: MetadataAgent;
    const ask = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http
          .get({ socketPath: socket, path: '/openstack/latest/meta_data.json', headers }, (r) => {
            let body = '';
            r.on('data', (c) => {
              body += c;
            });
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          })
          .on('error', reject);
      });
    before(async () => {
      nova = http.createServer((req, res) => {
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ uuid: req.headers['x-instance-id'], path: req.url }));
      });
      await new Promise<void>((r) => nova.listen(0, '127.0.0.1', r));
      agent = new MetadataAgent({ socket, novaHost: '127.0.0.1', novaPort: (nova.address() as AddressInfo).port, secret: SECRET, log: quiet });
      await agent.start();
    });
    after(async () => {
      await agent.stop();
      await new Promise((r) => nova.close(r));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('answers 503 before the first sync, then signs the request as the instance using the address on that network', async () => {
      assert.equal((await ask({ 'x-neutron-network-id': 'net1', 'x-forwarded-for': '10.0.0.5' })).status, 503);
      const state = {
        ports: [
          port({ id: 'other-net', network_id: 'net2', device_id: 'vm-other', fixed_ips: [{ subnet_id: 's2', ip_address: '10.0.0.5' }] }),
          port({ id: 'dhcp', device_owner: 'network:dhcp', device_id: 'dhcpxyz', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.2' }] }),
          port({ id: 'vm', device_id: 'vm-1', project_id: 'projA', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.5' }] }),
        ],
      } as unknown as HostState;
      agent.update(state);
      seen = [];
      const r = await ask({ 'x-neutron-network-id': 'net1', 'x-forwarded-for': '10.0.0.5', 'x-instance-id': 'spoofed', 'x-tenant-id': 'spoofed' });
      assert.equal(r.status, 200, r.body);
      assert.deepEqual(JSON.parse(r.body), { uuid: 'vm-1', path: '/openstack/latest/meta_data.json' });
      const h = seen[0] ?? {};
      assert.equal(h['x-instance-id'], 'vm-1');
      assert.equal(h['x-tenant-id'], 'projA');
      assert.equal(h['x-forwarded-for'], '10.0.0.5');
      assert.equal(h['x-instance-id-signature'], createHmac('sha256', SECRET).update('vm-1').digest('hex'));
      assert.equal(h['x-neutron-network-id'], undefined);
    });

    it('404 for an address no instance port holds (a service port, another network), 400 without the proxy headers', async () => {
      assert.equal((await ask({ 'x-neutron-network-id': 'net1', 'x-forwarded-for': '10.0.0.2' })).status, 404);
      assert.equal((await ask({ 'x-neutron-network-id': 'net3', 'x-forwarded-for': '10.0.0.5' })).status, 404);
      assert.equal((await ask({ 'x-forwarded-for': '10.0.0.5' })).status, 400);
    });
  });
});
