import assert from 'node:assert/strict';
import { it } from 'node:test';
import { normalizeIpv6 } from './ipv6.ts';

it('prints IPv6 addresses as inet_ntop does (netaddr, hence Nova)', () => {
  const cases: [string, string][] = [
    ['80fe::', '80fe::'],
    ['80FE:0:0::0001', '80fe::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156'],
    ['0:0:0:1:0:0:0:0', '0:0:0:1::'],
    ['::', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::ffff:0102:0304', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
  ];
  for (const [given, want] of cases) assert.equal(normalizeIpv6(given), want, given);
  assert.equal(normalizeIpv6('not-an-address'), 'not-an-address');
});
