import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostState } from '../host-state.ts';
import { AggregateInstanceExtraSpecsFilter, aggregateMetadataOf } from './aggregate-instance-extra-specs-filter.ts';
import { matchExtraSpec } from './extra-specs-ops.ts';
import { FILTER_CLASSES } from './registry.ts';
import { fakeHost, fakeSpec } from './testing.ts';

const withAggs = (...metadata: Record<string, string>[]): HostState => ({ ...fakeHost(), aggregates: metadata.map((m, i) => ({ name: `agg${i}`, metadata: m })) });
const specs = (extra_specs: Record<string, string>) => fakeSpec({ flavor: { extra_specs } });

describe('AggregateInstanceExtraSpecsFilter', () => {
  const filter = new AggregateInstanceExtraSpecsFilter();

  it('is named as in Nova, registered, and does not run on rebuild', () => {
    assert.equal(filter.name, 'AggregateInstanceExtraSpecsFilter');
    assert.equal(filter.runOnRebuild, false);
    assert.ok(FILTER_CLASSES.AggregateInstanceExtraSpecsFilter?.() instanceof AggregateInstanceExtraSpecsFilter);
  });
  it('passes every host when the flavor has no extra specs', () => {
    assert.equal(filter.hostPasses(fakeHost(), specs({})), true);
    assert.equal(filter.hostPasses(withAggs({ ssd: 'true' }), specs({})), true);
  });
  it('passes a host whose aggregate metadata matches a scoped spec', () => {
    assert.equal(filter.hostPasses(withAggs({ ssd: 'true' }), specs({ 'aggregate_instance_extra_specs:ssd': 'true' })), true);
  });
  it('rejects a host without the key or with another value', () => {
    const spec = specs({ 'aggregate_instance_extra_specs:ssd': 'true' });
    assert.equal(filter.hostPasses(fakeHost(), spec), false);
    assert.equal(filter.hostPasses(withAggs({ gpu: 'true' }), spec), false);
    assert.equal(filter.hostPasses(withAggs({ ssd: 'false' }), spec), false);
  });
  it('ignores specs of other scopes, checks unscoped ones (as Nova)', () => {
    assert.equal(filter.hostPasses(fakeHost(), specs({ 'hw:cpu_policy': 'dedicated', 'quota:cpu_shares': '10' })), true);
    assert.equal(filter.hostPasses(fakeHost(), specs({ ssd: 'true' })), false);
    assert.equal(filter.hostPasses(withAggs({ ssd: 'true' }), specs({ ssd: 'true' })), true);
  });
  it('needs every spec to match, each by one of the aggregates', () => {
    const spec = specs({ 'aggregate_instance_extra_specs:ssd': 'true', 'aggregate_instance_extra_specs:net': '10g' });
    assert.equal(filter.hostPasses(withAggs({ ssd: 'true' }, { net: '10g' }), spec), true);
    assert.equal(filter.hostPasses(withAggs({ ssd: 'true' }), spec), false);
    assert.equal(filter.hostPasses(withAggs({ ssd: 'false' }, { ssd: 'true', net: '10g' }), spec), true);
  });
  it('splits comma-separated metadata values', () => {
    assert.deepEqual([...(aggregateMetadataOf(withAggs({ k: 'a, b' }, { k: 'c' })).get('k') ?? [])], ['a', 'b', 'c']);
    assert.equal(filter.hostPasses(withAggs({ tier: 'gold, silver' }), specs({ 'aggregate_instance_extra_specs:tier': 'silver' })), true);
  });
  it('understands the extra_specs_ops operators', () => {
    assert.equal(filter.hostPasses(withAggs({ tier: 'gold' }), specs({ 'aggregate_instance_extra_specs:tier': 's== gold' })), true);
    assert.equal(filter.hostPasses(withAggs({ cpus: '16' }), specs({ 'aggregate_instance_extra_specs:cpus': '>= 8' })), true);
    assert.equal(filter.hostPasses(withAggs({ cpus: '4' }), specs({ 'aggregate_instance_extra_specs:cpus': '>= 8' })), false);
  });
});

describe('extra_specs_ops.match', () => {
  it('plain values compare for equality', () => {
    assert.equal(matchExtraSpec('1', '1'), true);
    assert.equal(matchExtraSpec('1', '2'), false);
    assert.equal(matchExtraSpec(null, 'x'), false);
  });
  it('numeric operators', () => {
    assert.equal(matchExtraSpec('123', '= 123'), true);
    assert.equal(matchExtraSpec('124', '= 123'), true);
    assert.equal(matchExtraSpec('122', '= 123'), false);
    assert.equal(matchExtraSpec('12.0', '== 12'), true);
    assert.equal(matchExtraSpec('12', '!= 13'), true);
    assert.equal(matchExtraSpec('12', '<= 12'), true);
    assert.equal(matchExtraSpec('abc', '>= 1'), false);
  });
  it('string operators', () => {
    assert.equal(matchExtraSpec('abc', 's== abc'), true);
    assert.equal(matchExtraSpec('abc', 's!= abc'), false);
    assert.equal(matchExtraSpec('abc', 's< abd'), true);
    assert.equal(matchExtraSpec('abc', 's>= abc'), true);
    assert.equal(matchExtraSpec('abd', 's> abc'), true);
  });
  it('<in>, <all-in> and <or>', () => {
    assert.equal(matchExtraSpec('12311321', '<in> 11'), true);
    assert.equal(matchExtraSpec('12311321', '<in> 99'), false);
    assert.equal(matchExtraSpec('aes mmx sse', '<all-in> aes mmx'), true);
    assert.equal(matchExtraSpec('aes sse', '<all-in> aes mmx'), false);
    assert.equal(matchExtraSpec('12', '<or> 11 <or> 12'), true);
    assert.equal(matchExtraSpec('13', '<or> 11 <or> 12'), false);
    assert.equal(matchExtraSpec('<or>', '<or> 11 <or> 12'), false);
  });
  it('an operator without operand never matches', () => {
    assert.equal(matchExtraSpec('1', 's=='), false);
  });
});
