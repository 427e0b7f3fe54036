import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_NETWORK_SCHEMA_VERSION, networkSchemaVersion, syncNetworkSchema } from '../../src/network/db/migrate.ts';
import { dropMysqlDatabase, mysqlSkip, mysqlUrl, uniqueName } from '../support/backends.ts';
import { runNetworkApiSuite } from './network-api.case.ts';
import { type NetworkHarness, startNetworkApi } from './network-harness.ts';

/** The network API over MariaDB (skipped when none answers on 127.0.0.1:3306, a failure in CI). */
const suiteDb = uniqueName('nova_network');
runNetworkApiSuite('MariaDB', async () => (await mysqlSkip()) ?? startNetworkApi({}, mysqlUrl(suiteDb)));

describe('IPAM on MariaDB under concurrency', () => {
  let skip: string | undefined;
  const name = uniqueName('nova_network');
  let a: NetworkHarness;
  let b: NetworkHarness;
  before(async () => {
    skip = await mysqlSkip();
    if (skip) return;
    // Two API servers on one database, as two nova-network processes would be.
    a = await startNetworkApi({}, mysqlUrl(name));
    b = await startNetworkApi({}, mysqlUrl(name));
  });
  after(async () => {
    if (skip) return;
    await a.close();
    await b.close();
    await dropMysqlDatabase(name);
    await dropMysqlDatabase(suiteDb);
  });

  it('db sync is idempotent and reports the latest network schema version', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await syncNetworkSchema(a.db), LATEST_NETWORK_SCHEMA_VERSION);
    assert.equal(await networkSchemaVersion(a.db), LATEST_NETWORK_SCHEMA_VERSION);
  });

  it('never hands out an address twice when 60 ports are created at once through two servers; the 62nd finds the subnet full', async (t) => {
    if (skip) return t.skip(skip);
    const net = await a.create('networks', 'network', { name: 'busy' });
    // A /26 holds 61 addresses for ports (64 less network, gateway and broadcast).
    await a.create('subnets', 'subnet', { network_id: net.id, ip_version: 4, cidr: '10.77.0.0/26' });
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).call('POST', '/v2.0/ports', { port: { network_id: net.id, name: `p${i}` } })));
    assert.deepEqual(
      answers.filter((r) => r.status !== 201).map((r) => r.body),
      [],
    );
    const ips = answers.map((r) => r.body.port.fixed_ips[0].ip_address as string);
    assert.equal(new Set(ips).size, 60);
    const macs = answers.map((r) => r.body.port.mac_address as string);
    assert.equal(new Set(macs).size, 60);
    const listed = (await a.call('GET', `/v2.0/ports?network_id=${net.id}`)).body.ports as { fixed_ips: { ip_address: string }[] }[];
    assert.deepEqual(listed.map((p) => p.fixed_ips[0]?.ip_address).sort(), [...ips].sort());
    assert.equal((await b.call('POST', '/v2.0/ports', { port: { network_id: net.id } })).status, 201);
    const full = await a.call('POST', '/v2.0/ports', { port: { network_id: net.id } });
    assert.equal(full.status, 409);
    assert.equal(full.body.NeutronError.type, 'IpAddressGenerationFailure');
  });

  it('one default security group per project, even when first used by concurrent requests', async (t) => {
    if (skip) return t.skip(skip);
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).call('GET', '/v2.0/security-groups', undefined, 'carol:projC')));
    const groups = (await a.call('GET', '/v2.0/security-groups', undefined, 'carol:projC')).body.security_groups as { name: string; security_group_rules: unknown[] }[];
    assert.deepEqual(
      groups.map((g) => [g.name, g.security_group_rules.length]),
      [['default', 4]],
    );
  });
});
