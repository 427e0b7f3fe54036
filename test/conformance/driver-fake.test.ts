import { loadConfig } from '../../src/conf/loader.ts';
import { silentLogger } from '../../src/log.ts';
import { DRIVER_CAPABILITIES } from '../../src/objects/compute-node.ts';
import { loadDriver } from '../../src/virt/registry.ts';
import { type DriverHarness, runDriverSuite } from './driver.case.ts';

/** The fake driver as nova-compute loads it, with `[fake]` options. */
function fakeHarness(host: string, fake: Record<string, string> = {}): DriverHarness {
  const conf = loadConfig({ env: {}, overrides: { DEFAULT: { compute_driver: 'fake.FakeDriver' }, fake } });
  return {
    driverName: conf.DEFAULT.compute_driver,
    host,
    image: { id: 'fake-image', properties: {} },
    make: () => loadDriver(conf, host, silentLogger()),
    boots: (out) => out.split('\n').filter((l) => l.startsWith('booted ') || l === 'rebooted').length,
    bootTimeoutMs: 0,
    address: '127.0.0.1',
    peer: { host: `${host}-peer`, address: '127.0.0.2', make: () => loadDriver(conf, `${host}-peer`, silentLogger()) },
    cleanup: async () => {},
  };
}

runDriverSuite('fake.FakeDriver', async () => fakeHarness('fake-conformance'));

// Every capability switched off: each case checks the refusal instead.
runDriverSuite('fake.FakeDriver with [fake] disabled_capabilities = all', async () =>
  fakeHarness('fake-conformance-limited', { disabled_capabilities: DRIVER_CAPABILITIES.join(',') }),
);
