import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VIF } from '../../test/support/vifs.ts';
import { ec2IpInfo, networkMetadata, type Vif, type VifNetwork, type VifSubnet } from './network-data.ts';

describe('network_data.json', () => {
  it('is null without VIFs (the service writes {})', () => {
    assert.equal(networkMetadata([]), null);
  });

  it('has a link per VIF, a network per first IPv4/IPv6 subnet, routes and DNS services as netutils builds them', () => {
    const net = VIF.network as VifNetwork;
    const v4 = net.subnets[0] as VifSubnet;
    const dhcpVif: Vif = {
      ...VIF,
      id: 'port-2',
      devname: null,
      type: 'ovs-hybrid',
      network: { ...net, id: 'net-2', subnets: [{ ...v4, meta: { enable_dhcp: true }, dns: [{ address: '1.1.1.1' }] }] },
    };
    assert.deepEqual(networkMetadata([VIF, dhcpVif]), {
      links: [
        { id: 'tapport-1', vif_id: 'port-1', type: 'bridge', mtu: 1450, ethernet_mac_address: 'fa:16:3e:11:22:33' },
        { id: 'interface1', vif_id: 'port-2', type: 'phy', mtu: 1450, ethernet_mac_address: 'fa:16:3e:11:22:33' },
      ],
      networks: [
        {
          id: 'network0',
          type: 'ipv4',
          link: 'tapport-1',
          ip_address: '10.0.0.5',
          netmask: '255.255.255.0',
          routes: [
            { network: '0.0.0.0', netmask: '0.0.0.0', gateway: '10.0.0.1' },
            { network: '192.168.0.0', netmask: '255.255.0.0', gateway: '10.0.0.254' },
          ],
          network_id: 'net-1',
          services: [{ type: 'dns', address: '8.8.8.8' }],
        },
        {
          id: 'network1',
          type: 'ipv6_slaac',
          link: 'tapport-1',
          ip_address: 'fd00:1::5',
          netmask: 'ffff:ffff:ffff:ffff::',
          routes: [{ network: '::', netmask: '::', gateway: 'fd00:1::1' }],
          network_id: 'net-1',
          services: [{ type: 'dns', address: '8.8.8.8' }],
        },
        { id: 'network2', type: 'ipv4_dhcp', link: 'interface1', network_id: 'net-2' },
      ],
      services: [
        { type: 'dns', address: '8.8.8.8' },
        { type: 'dns', address: '1.1.1.1' },
      ],
    });
  });

  it('skips VIFs without a network or subnets', () => {
    assert.deepEqual(networkMetadata([{ ...VIF, network: null }]), { links: [], networks: [], services: [] });
  });

  it('gives the EC2 tree its fixed and floating addresses', () => {
    assert.deepEqual(ec2IpInfo([VIF]), { fixed_ips: ['10.0.0.5'], fixed_ip6s: ['fd00:1::5'], floating_ips: ['172.24.4.10'] });
  });
});
