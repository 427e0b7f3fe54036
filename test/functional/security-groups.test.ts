import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';
import { ADMIN, ALICE, BOB, type Json, type NetworkHarness, READER, startNetworkApi } from './network-harness.ts';

/**
 * os-security-groups, os-security-group-rules, the server's security groups
 * and addSecurityGroup/removeSecurityGroup with nova-network beside the
 * cloud: Nova's body format and refusals (and the network service's words
 * where Nova passes them on), 404 from 2.36 for the proxies, the actions
 * changing every port of the server (read back from the network service),
 * and a boot's security_groups checked whether or not it gets a port.
 */
describe('os-security-groups and the security group actions (nova-network beside)', () => {
  let net: NetworkHarness;
  let cloud: Cloud;
  let alice: ApiClient;
  let server: string;
  const missing = '3cb9bc59-5699-4588-a4b1-b87f96708bc6';
  before(async () => {
    net = await startNetworkApi();
    const url = await net.listen();
    const privateNet = await net.create('networks', 'network', { name: 'private' });
    await net.create('subnets', 'subnet', { network_id: privateNet.id, ip_version: 4, cidr: '10.0.0.0/24' });
    cloud = await startCloud({ computes: ['host1'], overrides: { neutron: { endpoint_override: url } } });
    alice = new ApiClient(cloud.url, ALICE, '2.35');
    server = await alice.boot('vm-sg', { networks: [{ uuid: privateNet.id }] });
    await alice.waitFor(server, ['ACTIVE']);
  });
  after(async () => {
    await cloud?.stop();
    await net?.close();
  });

  const createGroup = async (name: string, description = `${name} group`): Promise<Json> => {
    const r = await alice.post<Json>('/os-security-groups', { security_group: { name, description } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.security_group as Json;
  };
  const addRule = (rule: Json) => alice.post<Json>('/os-security-group-rules', { security_group_rule: rule });
  const portGroups = async (): Promise<string[][]> => {
    const r = await net.call('GET', `/v2.0/ports?device_id=${server}`, undefined, ADMIN);
    return (r.body.ports as Json[]).map((p) => p.security_groups as string[]);
  };

  it('creates, lists, shows, updates and deletes groups in Nova format', async () => {
    const web = await createGroup('web', 'web servers');
    assert.deepEqual(Object.keys(web).sort(), ['description', 'id', 'name', 'rules', 'tenant_id']);
    assert.equal(web.name, 'web');
    assert.equal(web.description, 'web servers');
    assert.equal(web.tenant_id, 'projA');
    assert.deepEqual(web.rules, [], 'egress rules are not shown');
    const list = (await alice.get<Json>('/os-security-groups')).body.security_groups as Json[];
    assert.deepEqual(
      list.map((g) => g.name),
      ['default', 'web'],
    );
    const def = list.find((g) => g.name === 'default') as Json;
    // The default group lets its own members in (IPv4 and IPv6): rules from a group.
    assert.equal(def.rules.length, 2);
    assert.deepEqual(def.rules[0], {
      id: def.rules[0].id,
      parent_group_id: def.id,
      ip_protocol: null,
      from_port: null,
      to_port: null,
      group: { name: 'default', tenant_id: 'projA' },
      ip_range: {},
    });
    assert.deepEqual((await alice.get<Json>(`/os-security-groups/${web.id}`)).body.security_group, web);
    assert.equal((await alice.get<Json>('/os-security-groups?limit=1')).body.security_groups.length, 1);
    assert.deepEqual(
      (await alice.get<Json>('/os-security-groups?offset=1')).body.security_groups.map((g: Json) => g.name),
      ['web'],
    );
    const up = await alice.put<Json>(`/os-security-groups/${web.id}`, { security_group: { name: 'www', description: 'renamed' } });
    assert.equal(up.status, 200);
    assert.equal(up.body.security_group.name, 'www');
    assert.equal(up.body.security_group.description, 'renamed');
    // Other projects see none of it; an admin sees every project's with all_tenants.
    assert.deepEqual(
      (await alice.as(BOB).get<Json>('/os-security-groups')).body.security_groups.map((g: Json) => g.name),
      ['default'],
    );
    assert.equal((await alice.as(BOB).get<Json>(`/os-security-groups/${web.id}`)).status, 404);
    const all = (await alice.as(ADMIN).get<Json>('/os-security-groups?all_tenants=1')).body.security_groups as Json[];
    assert.ok(all.some((g) => g.id === web.id));
    assert.ok(!(await alice.as(ADMIN).get<Json>('/os-security-groups')).body.security_groups.some((g: Json) => g.id === web.id));
    assert.equal((await alice.delete(`/os-security-groups/${web.id}`)).status, 202);
    const gone = await alice.get<Json>(`/os-security-groups/${web.id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound.message, `Security group ${web.id} does not exist`);
  });

  it("answers Nova's refusals for groups", async () => {
    const bad = await alice.get<Json>('/os-security-groups/not-a-uuid');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'Security group id should be uuid');
    assert.equal((await alice.delete(`/os-security-groups/${missing}`)).status, 404);
    assert.equal((await alice.put(`/os-security-groups/${missing}`, { security_group: { name: 'a', description: 'b' } })).status, 404);
    const noDesc = await alice.post<Json>('/os-security-groups', { security_group: { name: 'x' } });
    assert.equal(noDesc.status, 400);
    assert.match(noDesc.body.badRequest.message, /'description' is a required property/);
    // Neutron's 409 for a second 'default' is Nova's SecurityGroupLimitExceeded.
    const dflt = await alice.post<Json>('/os-security-groups', { security_group: { name: 'default', description: '' } });
    assert.equal(dflt.status, 403);
    assert.equal(dflt.body.forbidden.message, 'Default security group already exists.');
    assert.equal((await alice.as(READER).get('/os-security-groups')).status, 200);
    assert.equal((await alice.as(READER).post('/os-security-groups', { security_group: { name: 'r', description: '' } })).status, 403);
    const inUse = await createGroup('busy');
    assert.equal((await alice.post(`/servers/${server}/action`, { addSecurityGroup: { name: 'busy' } })).status, 202);
    const del = await alice.delete<Json>(`/os-security-groups/${inUse.id}`);
    assert.equal(del.status, 400);
    assert.equal(del.body.badRequest.message, `Security Group ${inUse.id} in use.`);
    assert.equal((await alice.post(`/servers/${server}/action`, { removeSecurityGroup: { name: 'busy' } })).status, 202);
    assert.equal((await alice.delete(`/os-security-groups/${inUse.id}`)).status, 202);
  });

  it('creates and deletes rules, with the checks of _new_ingress_rule', async () => {
    const g = await createGroup('rules');
    const src = await createGroup('source');
    const tcp = await addRule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' });
    assert.equal(tcp.status, 200, JSON.stringify(tcp.body));
    assert.deepEqual(tcp.body.security_group_rule, {
      id: tcp.body.security_group_rule.id,
      parent_group_id: g.id,
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      group: {},
      ip_range: { cidr: '10.0.0.0/8' },
    });
    const fromGroup = await addRule({ parent_group_id: g.id, group_id: src.id, ip_protocol: 'udp' });
    assert.equal(fromGroup.status, 200);
    assert.deepEqual(fromGroup.body.security_group_rule.group, { name: 'source', tenant_id: 'projA' });
    assert.equal(fromGroup.body.security_group_rule.from_port, 1);
    assert.equal(fromGroup.body.security_group_rule.to_port, 65535);
    const icmp = await addRule({ parent_group_id: g.id, ip_protocol: 'icmp', from_port: -1, to_port: -1 });
    assert.deepEqual(icmp.body.security_group_rule.ip_range, { cidr: '0.0.0.0/0' });
    const v6 = await addRule({ parent_group_id: g.id, ip_protocol: 'tcp', from_port: 443, to_port: 443, cidr: '2001:db8::%2F32' });
    assert.equal(v6.status, 200, JSON.stringify(v6.body));
    assert.deepEqual(v6.body.security_group_rule.ip_range, { cidr: '2001:db8::/32' });
    const v6n = await net.call('GET', `/v2.0/security-group-rules/${v6.body.security_group_rule.id}`);
    assert.equal(v6n.body.security_group_rule.ethertype, 'IPv6');
    assert.equal((await alice.delete(`/os-security-group-rules/${v6.body.security_group_rule.id}`)).status, 202);
    const shown = (await alice.get<Json>(`/os-security-groups/${g.id}`)).body.security_group as Json;
    assert.equal(shown.rules.length, 3);
    // The network service holds them as ingress rules with Neutron's fields.
    const nr = await net.call('GET', `/v2.0/security-group-rules/${tcp.body.security_group_rule.id}`);
    assert.equal(nr.body.security_group_rule.direction, 'ingress');
    assert.equal(nr.body.security_group_rule.port_range_min, 22);
    assert.equal(nr.body.security_group_rule.remote_ip_prefix, '10.0.0.0/8');
    const refusals: [Json, number, string][] = [
      [{ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/8' }, 400, `This rule already exists in group ${g.id}`],
      [{ ip_protocol: 'gre', from_port: 1, to_port: 2 }, 400, 'Invalid IP protocol gre.'],
      [{ ip_protocol: 'tcp', from_port: 80, to_port: 70 }, 400, 'Invalid port range 80:70. Former value cannot be greater than the later'],
      [{ ip_protocol: 'udp', from_port: 0, to_port: 70 }, 400, 'Invalid port range 0:70. Valid UDP ports should be between 1-65535'],
      [{ ip_protocol: 'icmp', from_port: 256, to_port: 0 }, 400, 'Invalid port range 256:0. For ICMP, the type:code must be valid'],
      [{ ip_protocol: 'tcp', from_port: 'a', to_port: 2 }, 400, 'Invalid input received: To and From ports must be integers'],
      [{ ip_protocol: 'icmp', from_port: 'a', to_port: 2 }, 400, 'Invalid input received: Type and Code must be integers for ICMP protocol type'],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0' }, 400, '10.0.0.0 is not a valid IP network.'],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/0' }, 400, 'Bad prefix for network in cidr 10.0.0.0/0'],
      [{ ip_protocol: 'tcp' }, 400, 'Not enough parameters to build a valid rule.'],
      [{ group_id: missing, ip_protocol: 'tcp' }, 404, `Security group ${missing} does not exist`],
    ];
    for (const [rule, status, message] of refusals) {
      const r = await addRule({ parent_group_id: g.id, ...rule });
      assert.equal(r.status, status, JSON.stringify(rule));
      assert.equal(Object.values(r.body)[0].message, message, JSON.stringify(rule));
    }
    const noParent = await addRule({ parent_group_id: missing, ip_protocol: 'tcp', from_port: 1, to_port: 2 });
    assert.equal(noParent.status, 404);
    const badParent = await addRule({ parent_group_id: 'x' });
    assert.equal(badParent.status, 400);
    assert.equal((await alice.delete(`/os-security-group-rules/${tcp.body.security_group_rule.id}`)).status, 202);
    assert.equal((await alice.get<Json>(`/os-security-groups/${g.id}`)).body.security_group.rules.length, 2);
    const again = await alice.delete<Json>(`/os-security-group-rules/${tcp.body.security_group_rule.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.itemNotFound.message, `Security group rule ${tcp.body.security_group_rule.id} does not exist`);
    assert.equal((await alice.delete<Json>('/os-security-group-rules/nope')).body.badRequest.message, 'Security group id should be uuid');
  });

  it('addSecurityGroup/removeSecurityGroup change the server ports; the server lists its groups', async () => {
    const app = await createGroup('app');
    const action = (body: Json, c = alice) => c.post<Json>(`/servers/${server}/action`, body);
    const before = await portGroups();
    assert.equal(before.length, 1);
    assert.equal((await action({ addSecurityGroup: { name: 'app' } })).status, 202);
    assert.deepEqual(await portGroups(), [[...(before[0] ?? []), app.id]]);
    // Server show and detail name the ports' groups (views/servers.py _add_security_grps).
    assert.deepEqual((await alice.server(server)).security_groups, [{ name: 'default' }, { name: 'app' }]);
    const detail = (await alice.get<Json>('/servers/detail')).body.servers as Json[];
    assert.deepEqual(detail.find((x) => x.id === server)?.security_groups, [{ name: 'default' }, { name: 'app' }]);
    // Once more: the network service refuses the port a group twice (Neutron's validate_uuid_list), Nova's 400.
    const twice = await action({ addSecurityGroup: { name: 'app' } });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.badRequest.message, `Invalid input for security_groups. Reason: Duplicate items in the list: '${[...(before[0] ?? []), app.id, app.id].join(', ')}'.`);
    const listed = (await alice.get<Json>(`/servers/${server}/os-security-groups`)).body.security_groups as Json[];
    assert.deepEqual(
      listed.map((g) => g.name),
      ['app', 'default'],
    );
    assert.deepEqual(listed[0], app);
    // The server's groups are not a proxy: still there at 2.36 and later.
    assert.equal((await alice.at('2.90').get(`/servers/${server}/os-security-groups`)).status, 200);
    const unknown = await action({ addSecurityGroup: { name: 'nope' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.itemNotFound.message, 'Security group nope is not found for project projA');
    const blank = await action({ addSecurityGroup: { name: ' ' } });
    assert.equal(blank.status, 400);
    assert.equal(blank.body.badRequest.message, 'Security group name cannot be empty');
    assert.equal((await action({ addSecurityGroup: {} })).status, 400);
    assert.equal((await action({ addSecurityGroup: { name: 'app' } }, alice.as(BOB))).status, 404, "another project's server");
    assert.equal((await action({ addSecurityGroup: { name: 'app' } }, alice.as(READER))).status, 403);
    // By id too, and at the newest microversions (the actions were never removed).
    assert.equal((await action({ removeSecurityGroup: { name: app.id } }, alice.at('2.90'))).status, 202);
    assert.deepEqual(await portGroups(), before);
    assert.deepEqual((await alice.server(server)).security_groups, [{ name: 'default' }]);
    const notOn = await action({ removeSecurityGroup: { name: 'app' } });
    assert.equal(notOn.status, 404);
    assert.equal(notOn.body.itemNotFound.message, `Security group app not associated with the instance ${server}`);
    await createGroup('twin');
    await createGroup('twin');
    const twin = await action({ addSecurityGroup: { name: 'twin' } });
    assert.equal(twin.status, 409);
    assert.equal(twin.body.conflictingRequest.message, "Multiple security_group matches found for name 'twin', use an ID to be more specific.");
    assert.equal((await alice.get(`/servers/${missing}/os-security-groups`)).status, 404);
  });

  it('a server without ports: the actions say so; a boot names groups that exist, port or not', async () => {
    const none = await alice.at('2.37').boot('vm-noport', { networks: 'none' });
    await alice.at('2.37').waitFor(none, ['ACTIVE']);
    const r = await alice.post<Json>(`/servers/${none}/action`, { addSecurityGroup: { name: 'default' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `instance_id ${none} could not be found as device id on any ports`);
    assert.deepEqual((await alice.get<Json>(`/servers/${none}/os-security-groups`)).body, { security_groups: [] });
    assert.ok(!('security_groups' in (await alice.server(none))), 'no port, no security_groups key (as Nova)');
    const bad = await alice.at('2.37').post<Json>('/servers', { server: { name: 'x', imageRef: 'cirros', flavorRef: '1', networks: 'none', security_groups: [{ name: 'nope' }] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, "Unable to find security_group with name or id 'nope'");
    await alice.delete(`/servers/${none}`);
  });

  it('answers 404 from 2.36 for the proxies', async () => {
    const at236 = alice.at('2.36');
    assert.equal((await at236.get('/os-security-groups')).status, 404);
    assert.equal((await at236.post('/os-security-groups', { security_group: { name: 'a', description: 'b' } })).status, 404);
    assert.equal((await at236.get(`/os-security-groups/${missing}`)).status, 404);
    assert.equal((await at236.post('/os-security-group-rules', { security_group_rule: { parent_group_id: missing } })).status, 404);
    assert.equal((await at236.delete(`/os-security-group-rules/${missing}`)).status, 404);
    assert.equal((await alice.get('/os-security-group-default-rules')).status, 410);
  });
});

/** Without a network service: empty lists, NotFound, 400 for a create. */
describe('os-security-groups without a network service', () => {
  let cloud: Cloud;
  let alice: ApiClient;
  before(async () => {
    cloud = await startCloud({ computes: ['host1'] });
    alice = new ApiClient(cloud.url, ALICE, '2.35');
  });
  after(async () => {
    await cloud?.stop();
  });

  it('lists none, finds none, creates none', async () => {
    assert.deepEqual((await alice.get<Json>('/os-security-groups')).body, { security_groups: [] });
    assert.equal((await alice.get('/os-security-groups/3cb9bc59-5699-4588-a4b1-b87f96708bc6')).status, 404);
    assert.equal((await alice.post('/os-security-groups', { security_group: { name: 'a', description: 'b' } })).status, 400);
    const id = await alice.boot('vm-alone');
    await alice.waitFor(id, ['ACTIVE']);
    assert.deepEqual((await alice.get<Json>(`/servers/${id}/os-security-groups`)).body, { security_groups: [] });
    assert.equal((await alice.post(`/servers/${id}/action`, { addSecurityGroup: { name: 'web' } })).status, 404);
  });
});
