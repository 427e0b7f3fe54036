import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../exception/base.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import { decodeEnvelope, deserializeFailure, encodeEnvelope, packContext, serializeFailure, unpackContext } from './envelope.ts';
import { RemoteError } from './errors.ts';
import { versionCompatible } from './server.ts';
import { describeTransportUrl, parseTransportUrl } from './url.ts';

describe('envelope', () => {
  it('wraps the message as oslo.messaging 2.0 does', () => {
    const body = encodeEnvelope({ method: 'ping', args: { a: 1 } });
    const outer = JSON.parse(body.toString());
    assert.equal(outer['oslo.version'], '2.0');
    assert.equal(typeof outer['oslo.message'], 'string');
    assert.deepEqual(decodeEnvelope(body), { method: 'ping', args: { a: 1 } });
  });
  it('refuses another envelope major version', () => {
    assert.throws(() => decodeEnvelope(JSON.stringify({ 'oslo.version': '3.0', 'oslo.message': '{}' })), /unsupported envelope version/);
  });
  it('carries the context as _context_ keys', () => {
    const ctx = { request_id: 'req-1', user_id: 'u', project_id: 'p', roles: ['admin'], is_admin: true };
    const back = unpackContext(packContext(ctx));
    assert.equal(back.request_id, 'req-1');
    assert.equal(back.user_id, 'u');
    assert.equal(back.project_id, 'p');
    assert.deepEqual(back.roles, ['admin']);
    assert.equal(back.is_admin, true);
  });
  it('rebuilds known errors as their class and others as RemoteError', () => {
    const e = deserializeFailure(serializeFailure(InstanceNotFound.of('abc')));
    assert.ok(e instanceof InstanceNotFound);
    assert.equal(e.message, 'Instance abc could not be found.');
    const r = deserializeFailure(serializeFailure(new TypeError('boom')));
    assert.ok(r instanceof RemoteError);
    assert.match(r.message, /TypeError boom/);
  });
});

describe('version check', () => {
  it('accepts the same major with an equal or newer minor', () => {
    assert.ok(versionCompatible('1.3', '1.0'));
    assert.ok(versionCompatible('1.3', '1.3'));
    assert.ok(!versionCompatible('1.3', '1.4'));
    assert.ok(!versionCompatible('2.0', '1.0'));
  });
});

describe('transport_url', () => {
  it('parses rabbit URLs with several hosts and a vhost', () => {
    const u = parseTransportUrl('rabbit://guest:guest@127.0.0.1:5672,u2:p%40ss@mq2/nova');
    assert.equal(u.scheme, 'rabbit');
    assert.equal(u.virtualHost, 'nova');
    assert.deepEqual(u.hosts[1], { host: 'mq2', port: 5672, username: 'u2', password: 'p@ss' });
    assert.equal(parseTransportUrl('rabbit://guest:guest@h:5672/').virtualHost, '/');
    assert.equal(describeTransportUrl(u), 'rabbit://guest:****@127.0.0.1:5672,u2:****@mq2:5672/nova');
  });
  it('accepts memory://', () => {
    assert.equal(parseTransportUrl('memory://').scheme, 'memory');
  });
  it('names the option when the scheme is wrong', () => {
    assert.throws(
      () => parseTransportUrl('kafka://x'),
      (e: unknown) => e instanceof ConfigError && /\[DEFAULT\] transport_url: unsupported scheme 'kafka:\/\/'/.test(e.message),
    );
    assert.throws(() => parseTransportUrl('nonsense'), /is not a URL/);
  });
});
