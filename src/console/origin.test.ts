import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkOrigin, hostnameOf } from './origin.ts';

const base = 'http://console.example.com:6080/vnc_lite.html';
const check = (origin: string | undefined, extra: { host?: string; allowed?: string[]; baseUrl?: string | null; forwardedProto?: string } = {}) =>
  checkOrigin({
    origin,
    host: extra.host ?? 'proxy.internal:6080',
    baseUrl: extra.baseUrl === undefined ? base : extra.baseUrl,
    allowedOrigins: extra.allowed ?? [],
    forwardedProto: extra.forwardedProto,
  });

describe('the console Origin check', () => {
  it("accepts the proxy's own host (Host header or base URL) and allowed_origins", () => {
    assert.equal(check('http://console.example.com:6080'), null);
    assert.equal(check('http://proxy.internal:6080'), null);
    assert.equal(check('http://PROXY.internal'), null);
    assert.equal(check('http://dashboard.example.com', { allowed: ['dashboard.example.com'] }), null);
    assert.equal(check(undefined), null, 'no Origin: not a browser, as Nova');
  });

  it('refuses other hosts and malformed origins', () => {
    assert.equal(check('http://evil.example.com'), 'Origin header does not match this host.');
    assert.equal(check('http://console.example.com.evil.org'), 'Origin header does not match this host.');
    assert.equal(check('null'), 'Origin header not valid.');
    assert.equal(check('not a url'), 'Origin header not valid.');
  });

  it("refuses a scheme other than the base URL's (http ~ ws, https ~ wss), preferring X-Forwarded-Proto", () => {
    assert.equal(check('https://console.example.com'), 'Origin header protocol does not match this host.');
    assert.equal(check('https://console.example.com', { baseUrl: 'https://console.example.com/vnc_lite.html' }), null);
    assert.equal(check('http://console.example.com', { baseUrl: 'ws://console.example.com:6083/' }), null);
    assert.equal(check('https://console.example.com', { baseUrl: 'wss://console.example.com:6083/' }), null);
    assert.equal(check('http://console.example.com', { baseUrl: 'https://console.example.com/', forwardedProto: 'https' }), null);
  });

  it('handles IPv6 and ports in Host', () => {
    assert.equal(hostnameOf('[::1]:6080'), '::1');
    assert.equal(hostnameOf('127.0.0.1:6080'), '127.0.0.1');
    assert.equal(hostnameOf('Example.COM'), 'example.com');
    assert.equal(check('http://[::1]:6080', { host: '[::1]:6080', baseUrl: 'http://[::1]:6080/vnc_lite.html' }), null);
  });
});
