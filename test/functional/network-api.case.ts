/**
 * The network API's behaviour on one database backend: every test file
 * (SQLite, MariaDB) runs this suite against its own harness.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN, BOB, type NetworkHarness, neutronError, READER } from './network-harness.ts';

export function runNetworkApiSuite(label: string, start: () => Promise<NetworkHarness | string>): void {
  describe(`network API (${label})`, () => {
    let h: NetworkHarness;
    let skip: string | undefined;
    before(async () => {
      const r = await start();
      if (typeof r === 'string') skip = r;
      else h = r;
    });
    after(async () => {
      await h?.close();
    });

    it('networks: defaults, isolation between projects, shared/external visibility, admin-only attributes, reader read-only', async (t) => {
      if (skip) return t.skip(skip);
      const net = await h.create('networks', 'network', { name: 'a-net' });
      assert.equal(net.status, 'ACTIVE');
      assert.equal(net.shared, false);
      assert.equal(net['provider:network_type'], undefined);
      assert.equal((await h.call('GET', `/v2.0/networks/${net.id}`, undefined, ADMIN)).body.network['provider:network_type'], 'vxlan');
      const hidden = await h.call('GET', `/v2.0/networks/${net.id}`, undefined, BOB);
      assert.equal(hidden.status, 404);
      assert.deepEqual(neutronError(hidden), { type: 'NetworkNotFound', message: `Network ${net.id} could not be found.`, detail: '' });
      assert.equal((await h.call('DELETE', `/v2.0/networks/${net.id}`, undefined, BOB)).status, 404);
      const denied = await h.call('POST', '/v2.0/networks', { network: { name: 'x', 'router:external': true } });
      assert.equal(denied.status, 403);
      assert.equal(neutronError(denied).message, '(rule:create_network and rule:create_network:router:external) is disallowed by policy');
      const reader = await h.call('POST', '/v2.0/networks', { network: { name: 'r' } }, READER);
      assert.equal(reader.status, 403);
      assert.equal((await h.call('GET', `/v2.0/networks/${net.id}`, undefined, READER)).status, 200);
      const shared = await h.create('networks', 'network', { name: 'shared', shared: true }, ADMIN);
      const bobSees = (await h.call('GET', '/v2.0/networks', undefined, BOB)).body.networks.map((n: { id: string }) => n.id);
      assert.ok(bobSees.includes(shared.id) && !bobSees.includes(net.id));
      const unknown = await h.call('POST', '/v2.0/networks', { network: { name: 'x', bogus: 1 } });
      assert.deepEqual(neutronError(unknown), { type: 'HTTPBadRequest', message: "Unrecognized attribute(s) 'bogus'", detail: '' });
      const badBool = await h.call('POST', '/v2.0/networks', { network: { admin_state_up: 'maybe' } });
      assert.equal(neutronError(badBool).message, "Invalid input for operation: 'maybe' cannot be converted to boolean.");
    });

    it('subnets: default pools and gateway, IPv6, overlap, pools checked', async (t) => {
      if (skip) return t.skip(skip);
      const net = await h.create('networks', 'network', { name: 'sn' });
      const s4 = await h.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '192.168.5.0/24' });
      assert.equal(s4.gateway_ip, '192.168.5.1');
      assert.deepEqual(s4.allocation_pools, [{ start: '192.168.5.2', end: '192.168.5.254' }]);
      const s6 = await h.create('subnets', 'subnet', { network_id: net.id, ip_version: 6, cidr: 'FD00:0:0:1::/64' });
      assert.equal(s6.cidr, 'fd00:0:0:1::/64');
      assert.deepEqual(s6.allocation_pools, [{ start: 'fd00:0:0:1::2', end: 'fd00::1:ffff:ffff:ffff:ffff' }]);
      const overlap = await h.call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '192.168.5.128/25' } });
      assert.equal(overlap.status, 400);
      assert.match(neutronError(overlap).message, /overlaps with another subnet/);
      const notNet = await h.call('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.1.1.1/24' } });
      assert.equal(neutronError(notNet).message, "Invalid input for cidr. Reason: '10.1.1.1/24' is not a valid IP subnet.");
      const gwInPool = await h.call('POST', '/v2.0/subnets', {
        subnet: { network_id: net.id, ip_version: 4, cidr: '10.2.0.0/24', gateway_ip: '10.2.0.5', allocation_pools: [{ start: '10.2.0.2', end: '10.2.0.10' }] },
      });
      assert.equal(gwInPool.status, 409);
      assert.equal(neutronError(gwInPool).type, 'GatewayConflictWithAllocationPools');
      const shown = (await h.call('GET', `/v2.0/networks/${net.id}`)).body.network;
      assert.deepEqual([...shown.subnets].sort(), [s4.id, s6.id].sort());
    });

    it('ports: fixed IPs, MACs, default security group, explicit IPs, in-use errors, filters, fields, paging, sorting', async (t) => {
      if (skip) return t.skip(skip);
      const net = await h.create('networks', 'network', { name: 'pn' });
      const sub = await h.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.9.0.0/29' });
      const a = await h.create('ports', 'port', { network_id: net.id, name: 'a' });
      assert.deepEqual(a.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.9.0.2' }]);
      assert.match(a.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
      const groups = (await h.call('GET', '/v2.0/security-groups?name=default')).body.security_groups;
      assert.equal(groups.length, 1);
      assert.deepEqual(a.security_groups, [groups[0].id]);
      assert.deepEqual(
        groups[0].security_group_rules
          .map((r: { direction: string; ethertype: string; remote_group_id: string | null }) => `${r.direction} ${r.ethertype} ${r.remote_group_id ? 'self' : 'any'}`)
          .sort(),
        ['egress IPv4 any', 'egress IPv6 any', 'ingress IPv4 self', 'ingress IPv6 self'],
      );
      const b = await h.create('ports', 'port', { network_id: net.id, name: 'b', fixed_ips: [{ ip_address: '10.9.0.5' }] });
      assert.equal(b.fixed_ips[0].ip_address, '10.9.0.5');
      const dup = await h.call('POST', '/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ ip_address: '10.9.0.5' }] } });
      assert.deepEqual(neutronError(dup), {
        type: 'IpAddressInUse',
        message: `Unable to complete operation for network ${net.id}. The IP address 10.9.0.5 is in use.`,
        detail: '',
      });
      const mac = await h.call('POST', '/v2.0/ports', { port: { network_id: net.id, mac_address: a.mac_address } });
      assert.equal(neutronError(mac).type, 'MacAddressInUse');
      for (const name of ['c', 'd', 'e']) await h.create('ports', 'port', { network_id: net.id, name });
      const full = await h.call('POST', '/v2.0/ports', { port: { network_id: net.id } });
      assert.deepEqual(neutronError(full), { type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${net.id}.`, detail: '' });
      const byIp = (await h.call('GET', '/v2.0/ports?fixed_ips=ip_address%3D10.9.0.5')).body.ports;
      assert.deepEqual(
        byIp.map((p: { name: string }) => p.name),
        ['b'],
      );
      const fields = (await h.call('GET', `/v2.0/ports?network_id=${net.id}&fields=name&sort_key=name&sort_dir=desc`)).body.ports;
      assert.deepEqual(fields, [{ name: 'e' }, { name: 'd' }, { name: 'c' }, { name: 'b' }, { name: 'a' }]);
      const page1 = (await h.call('GET', `/v2.0/ports?network_id=${net.id}&limit=2&sort_key=name&sort_dir=asc`)).body;
      assert.deepEqual(
        page1.ports.map((p: { name: string }) => p.name),
        ['a', 'b'],
      );
      const next = new URL(page1.ports_links.find((l: { rel: string }) => l.rel === 'next').href);
      const page2 = (await h.call('GET', `${next.pathname}${next.search}`)).body;
      assert.deepEqual(
        page2.ports.map((p: { name: string }) => p.name),
        ['c', 'd'],
      );
      const badFilter = await h.call('GET', '/v2.0/ports?colour=red');
      assert.equal(neutronError(badFilter).message, "['colour'] is invalid attribute for filtering");
      assert.equal((await h.call('GET', `/v2.0/ports/${a.id}`, undefined, BOB)).status, 404);
      assert.equal((await h.call('POST', '/v2.0/ports', { port: { network_id: net.id } }, BOB)).status, 404);
      const bind = await h.call('PUT', `/v2.0/ports/${a.id}`, { port: { 'binding:host_id': 'compute-1' } });
      assert.equal(bind.status, 403);
      const bound = (await h.call('PUT', `/v2.0/ports/${a.id}`, { port: { 'binding:host_id': 'compute-1', device_id: 'vm-1', device_owner: 'compute:nova' } }, ADMIN)).body.port;
      assert.equal(bound['binding:vif_type'], 'bridge');
      assert.equal(bound.device_id, 'vm-1');
      assert.equal((await h.call('GET', '/v2.0/ports?device_id=vm-1')).body.ports.length, 1);
      const inUse = await h.call('DELETE', `/v2.0/networks/${net.id}`);
      assert.equal(neutronError(inUse).type, 'NetworkInUse');
      assert.equal((await h.call('DELETE', `/v2.0/ports/${a.id}`)).status, 204);
      const moved = (await h.call('PUT', `/v2.0/ports/${b.id}`, { port: { fixed_ips: [{ subnet_id: sub.id, ip_address: '10.9.0.2' }] } })).body.port;
      assert.deepEqual(moved.fixed_ips, [{ subnet_id: sub.id, ip_address: '10.9.0.2' }]);
      assert.equal((await h.create('ports', 'port', { network_id: net.id, fixed_ips: [{ ip_address: '10.9.0.5' }] })).fixed_ips[0].ip_address, '10.9.0.5');
    });

    it('routers and floating IPs: gateway, interfaces, association, refusals', async (t) => {
      if (skip) return t.skip(skip);
      const ext = await h.create('networks', 'network', { name: 'ext', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet-x' }, ADMIN);
      await h.create('subnets', 'subnet', { network_id: ext.id, ip_version: 4, cidr: '198.51.100.0/24', enable_dhcp: false }, ADMIN);
      const net = await h.create('networks', 'network', { name: 'inner' });
      const sub = await h.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/24' });
      const vm = await h.create('ports', 'port', { network_id: net.id });
      const router = await h.create('routers', 'router', { name: 'r', external_gateway_info: { network_id: ext.id } });
      assert.equal(router.external_gateway_info.network_id, ext.id);
      assert.equal(router.external_gateway_info.enable_snat, true);
      assert.match(router.external_gateway_info.external_fixed_ips[0].ip_address, /^198\.51\.100\./);
      const noRoute = await h.call('POST', '/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: vm.id } });
      assert.equal(neutronError(noRoute).type, 'ExternalGatewayForFloatingIPNotFound');
      const itf = await h.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
      assert.equal(itf.status, 200);
      assert.equal(itf.body.subnet_id, sub.id);
      const again = await h.call('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
      assert.equal(neutronError(again).message, `Bad router request: Router already has a port on subnet ${sub.id}.`);
      const itfPort = (await h.call('GET', `/v2.0/ports/${itf.body.port_id}`)).body.port;
      assert.equal(itfPort.fixed_ips[0].ip_address, '10.50.0.1');
      assert.equal(neutronError(await h.call('DELETE', `/v2.0/ports/${itfPort.id}`)).type, 'ServicePortInUse');
      const fip = await h.create('floatingips', 'floatingip', { floating_network_id: ext.id });
      assert.equal(fip.port_id, null);
      const assoc = (await h.call('PUT', `/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: vm.id } })).body.floatingip;
      assert.equal(assoc.fixed_ip_address, vm.fixed_ips[0].ip_address);
      assert.equal(assoc.router_id, router.id);
      assert.equal(neutronError(await h.call('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id })).type, 'RouterInterfaceInUseByFloatingIP');
      assert.equal(neutronError(await h.call('DELETE', `/v2.0/routers/${router.id}`)).type, 'RouterInUse');
      assert.equal((await h.call('GET', `/v2.0/floatingips/${fip.id}`, undefined, BOB)).status, 404);
      assert.equal((await h.call('DELETE', `/v2.0/ports/${vm.id}`)).status, 204);
      assert.equal((await h.call('GET', `/v2.0/floatingips/${fip.id}`)).body.floatingip.port_id, null);
      assert.equal((await h.call('DELETE', `/v2.0/floatingips/${fip.id}`)).status, 204);
      assert.equal((await h.call('PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: sub.id })).status, 200);
      assert.equal((await h.call('DELETE', `/v2.0/routers/${router.id}`)).status, 204);
      const avail = (await h.call('GET', `/v2.0/network-ip-availabilities/${ext.id}`, undefined, ADMIN)).body.network_ip_availability;
      assert.equal(avail.total_ips, 253);
      assert.equal(avail.used_ips, 0);
      assert.equal((await h.call('GET', '/v2.0/network-ip-availabilities')).status, 403);
    });

    it('security group rules, quotas, extensions, availability zones', async (t) => {
      if (skip) return t.skip(skip);
      const sg = await h.create('security-groups', 'security_group', { name: 'web' }, BOB);
      assert.equal(sg.security_group_rules.length, 2);
      const rule = await h.create(
        'security-group-rules',
        'security_group_rule',
        { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 },
        BOB,
      );
      assert.equal(rule.ethertype, 'IPv4');
      const dup = await h.call(
        'POST',
        '/v2.0/security-group-rules',
        { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80 } },
        BOB,
      );
      assert.equal(neutronError(dup).message, `Security group rule already exists. Rule id is ${rule.id}.`);
      const range = await h.call(
        'POST',
        '/v2.0/security-group-rules',
        { security_group_rule: { security_group_id: sg.id, direction: 'ingress', protocol: 'tcp', port_range_min: 90, port_range_max: 80 } },
        BOB,
      );
      assert.equal(neutronError(range).type, 'SecurityGroupInvalidPortRange');
      assert.equal((await h.call('POST', '/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg.id, direction: 'ingress' } })).status, 404);
      const def = (await h.call('GET', '/v2.0/security-groups?name=default', undefined, BOB)).body.security_groups[0];
      assert.equal(neutronError(await h.call('DELETE', `/v2.0/security-groups/${def.id}`, undefined, BOB)).type, 'SecurityGroupCannotRemoveDefault');
      const quota = (await h.call('GET', '/v2.0/quotas/projB', undefined, BOB)).body.quota;
      assert.deepEqual(quota, { network: 100, subnet: 100, subnetpool: -1, port: 500, router: 10, floatingip: 50, rbac_policy: 10, security_group: 10, security_group_rule: 100 });
      assert.equal((await h.call('PUT', '/v2.0/quotas/projB', { quota: { network: 0 } }, BOB)).status, 403);
      assert.equal((await h.call('PUT', '/v2.0/quotas/projB', { quota: { network: 0 } }, ADMIN)).body.quota.network, 0);
      const over = await h.call('POST', '/v2.0/networks', { network: { name: 'x' } }, BOB);
      assert.deepEqual(neutronError(over), { type: 'OverQuota', message: "Quota exceeded for resources: ['network'].", detail: '' });
      const details = (await h.call('GET', '/v2.0/quotas/projB/details.json', undefined, BOB)).body.quota;
      assert.deepEqual(details.security_group, { limit: 10, used: 2, reserved: 0 });
      assert.equal((await h.call('DELETE', '/v2.0/quotas/projB', undefined, ADMIN)).status, 204);
      const aliases = (await h.call('GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const a of ['router', 'external-net', 'security-group', 'quotas', 'availability_zone', 'binding', 'pagination', 'sorting']) assert.ok(aliases.includes(a), a);
      assert.equal((await h.call('GET', '/v2.0/extensions/router')).body.extension.name, 'Neutron L3 Router');
      const zones = (await h.call('GET', '/v2.0/availability_zones')).body.availability_zones;
      assert.deepEqual(zones, [
        { name: 'nova', resource: 'network', state: 'available' },
        { name: 'nova', resource: 'router', state: 'available' },
      ]);
      const versions = await h.call('GET', '/', undefined, null);
      assert.deepEqual(versions.body, { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: 'http://localhost:80/v2.0/' }] }] });
      assert.equal((await h.call('GET', '/v2.0/networks', undefined, null)).status, 401);
    });
  });
}
