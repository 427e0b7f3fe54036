import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_FILTERS, filterSchedulerGroup } from '../../conf/scheduler.ts';
import { describeRejections, FILTER_CLASSES, loadFilters, runFilters } from './registry.ts';
import { fakeHost, fakeSpec } from './testing.ts';

describe('filter registry', () => {
  it('knows every filter enabled_filters accepts, under its own name', () => {
    assert.deepEqual(Object.keys(FILTER_CLASSES).sort(), [...ALL_FILTERS].sort());
    for (const [name, make] of Object.entries(FILTER_CLASSES)) assert.equal(make().name, name);
  });
  it('loads the filters in the configured order', () => {
    const names = ['RamFilter', 'ComputeFilter', 'SameHostFilter'];
    assert.deepEqual(
      loadFilters(names).map((f) => f.name),
      names,
    );
    assert.equal(loadFilters(filterSchedulerGroup.opts.enabled_filters.default).length, filterSchedulerGroup.opts.enabled_filters.default.length);
  });
  it('names an unknown filter in the error', () => {
    assert.throws(() => loadFilters(['ComputeFilter', 'NUMATopologyFilter']), /Unknown scheduler filter 'NUMATopologyFilter'/);
    assert.throws(() => loadFilters(['toString']), /Unknown scheduler filter 'toString'/);
  });
});

describe('runFilters', () => {
  const filters = loadFilters(['ComputeFilter', 'RamFilter', 'CoreFilter']);
  const spec = fakeSpec({ flavor: { memory_mb: 4096, vcpus: 2 } });

  it('runs each filter over the hosts the previous ones kept and counts what it removed', () => {
    const hosts = [
      fakeHost({ host: 'down', service: { up: false } }),
      fakeHost({ host: 'small1', memoryMb: 2048 }),
      fakeHost({ host: 'ok' }),
      fakeHost({ host: 'small2', memoryMb: 4096, memoryMbUsed: 1 }),
    ];
    const { passed, rejections } = runFilters(filters, hosts, spec);
    assert.deepEqual(
      passed.map((h) => h.host),
      ['ok'],
    );
    assert.deepEqual(rejections, [
      { filter: 'ComputeFilter', rejected: 1, of: 4 },
      { filter: 'RamFilter', rejected: 2, of: 3 },
      { filter: 'CoreFilter', rejected: 0, of: 1 },
    ]);
    assert.equal(describeRejections(rejections), 'ComputeFilter rejected 1 of 4 hosts; RamFilter rejected 2 of 3 hosts');
  });
  it('stops once no host is left', () => {
    const hosts = [fakeHost({ host: 'a', service: { up: false } }), fakeHost({ host: 'b', memoryMb: 1024 }), fakeHost({ host: 'c', memoryMb: 1024 })];
    const { passed, rejections } = runFilters(filters, hosts, spec);
    assert.deepEqual(passed, []);
    assert.deepEqual(rejections, [
      { filter: 'ComputeFilter', rejected: 1, of: 3 },
      { filter: 'RamFilter', rejected: 2, of: 2 },
    ]);
    assert.equal(describeRejections(rejections), 'ComputeFilter rejected 1 of 3 hosts; RamFilter rejected 2 of 2 hosts');
  });
  it('passes every host through an empty filter list', () => {
    const hosts = [fakeHost({ host: 'a' }), fakeHost({ host: 'b' })];
    assert.deepEqual(runFilters([], hosts, spec), { passed: hosts, rejections: [] });
  });
  it('says there are no compute hosts when there were none to filter', () => {
    const result = runFilters(filters, [], spec);
    assert.deepEqual(result, { passed: [], rejections: [] });
    assert.equal(describeRejections(result.rejections), 'There are no compute hosts.');
    assert.equal(describeRejections([{ filter: 'ComputeFilter', rejected: 0, of: 0 }]), 'There are no compute hosts.');
  });
});

describe('prepared filters', () => {
  const hosts = [
    fakeHost({ host: 'a', availabilityZone: 'az1', cpuInfo: { arch: 'x86_64' }, instanceUuids: ['u1'] }),
    fakeHost({ host: 'b', nodeId: 2, availabilityZone: 'az2', cpuInfo: { arch: 'aarch64' }, instanceUuids: ['u2'] }),
  ];
  const specs = [
    fakeSpec(),
    fakeSpec({ availability_zone: 'az2' }),
    fakeSpec({ image: { properties: { hw_architecture: 'aarch64' } } }),
    fakeSpec({ scheduler_hints: { same_host: ['u1'] } }),
    fakeSpec({ scheduler_hints: { different_host: ['u1'] } }),
    fakeSpec({ instance_group: { uuid: 'g', policy: 'affinity', rules: {}, hosts: ['b'], members: ['u2'] } }),
    fakeSpec({ instance_group: { uuid: 'g', policy: 'anti-affinity', rules: {}, hosts: ['b'], members: ['u2'] } }),
  ];

  it('agree with hostPasses, and are skipped (null) only when every host passes', () => {
    for (const filter of loadFilters([...ALL_FILTERS])) {
      for (const spec of specs) {
        const check = filter.prepare?.(spec);
        if (check === undefined) continue;
        for (const h of hosts) assert.equal(check === null ? true : check(h), filter.hostPasses(h, spec), `${filter.name} on ${h.host}`);
      }
    }
  });

  it('a filter that passes every host for the request is not run over the hosts', () => {
    let calls = 0;
    const counting = {
      name: 'Counting',
      runOnRebuild: false,
      hostPasses: () => {
        calls++;
        return true;
      },
      prepare: () => null,
    };
    const { passed, rejections } = runFilters([counting], hosts, fakeSpec());
    assert.equal(passed.length, 2);
    assert.equal(calls, 0);
    assert.deepEqual(rejections, [{ filter: 'Counting', rejected: 0, of: 2 }]);
  });
});
