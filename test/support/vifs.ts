import type { Vif } from '../../src/metadata/network-data.ts';

/** A port on a network with an IPv4 subnet (DHCP off) and an IPv6 SLAAC subnet, as Nova's network model holds it. */
export const VIF: Vif = {
  id: 'port-1',
  address: 'fa:16:3e:11:22:33',
  type: 'bridge',
  devname: 'tapport-1',
  network: {
    id: 'net-1',
    label: 'private',
    meta: { mtu: 1450 },
    subnets: [
      {
        cidr: '10.0.0.0/24',
        version: 4,
        gateway: { address: '10.0.0.1' },
        ips: [{ address: '10.0.0.5', version: 4, type: 'fixed', floating_ips: [{ address: '172.24.4.10', version: 4, type: 'floating' }] }],
        dns: [{ address: '8.8.8.8' }],
        routes: [{ cidr: '192.168.0.0/16', gateway: { address: '10.0.0.254' } }],
        meta: {},
      },
      {
        cidr: 'fd00:1::/64',
        version: 6,
        gateway: { address: 'fd00:1::1' },
        ips: [{ address: 'fd00:1::5', version: 6, type: 'fixed' }],
        dns: [{ address: '8.8.8.8' }],
        routes: [],
        meta: { ipv6_address_mode: 'slaac' },
      },
    ],
  },
};
