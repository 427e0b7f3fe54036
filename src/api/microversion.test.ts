import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, fmt, MAX_VERSION, NotAcceptableVersion, negotiate } from './microversion.ts';

describe('microversion negotiation', () => {
  it('defaults to 2.1', () => assert.equal(fmt(negotiate({})), '2.1'));
  it('reads OpenStack-API-Version before the legacy header', () => {
    assert.equal(fmt(negotiate({ 'openstack-api-version': 'compute 2.53', 'x-openstack-nova-api-version': '2.10' })), '2.53');
    assert.equal(fmt(negotiate({ 'x-openstack-nova-api-version': '2.10' })), '2.10');
    assert.equal(fmt(negotiate({ 'openstack-api-version': 'volume 3.1' })), '2.1');
  });
  it('maps latest to the maximum', () => assert.equal(fmt(negotiate({ 'openstack-api-version': 'compute latest' })), MAX_VERSION));
  it('answers 406 out of range', () => {
    assert.throws(
      () => negotiate({ 'x-openstack-nova-api-version': '2.999' }),
      (e: unknown) => e instanceof NotAcceptableVersion && e.status === 406,
    );
    assert.throws(() => negotiate({ 'x-openstack-nova-api-version': '1.1' }), NotAcceptableVersion);
  });
  it('rejects garbage with 400', () => assert.throws(() => negotiate({ 'x-openstack-nova-api-version': 'abc' }), /Invalid API version request/));
  it('compares', () => {
    assert.ok(atLeast(negotiate({ 'x-openstack-nova-api-version': '2.47' }), '2.47'));
    assert.ok(!atLeast(negotiate({ 'x-openstack-nova-api-version': '2.46' }), '2.47'));
  });
});
