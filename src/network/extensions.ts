/**
 * /v2.0/extensions: the API extensions this service implements, with
 * Neutron's names, descriptions and dates (neutron-lib's api definitions),
 * so clients that look for an extension before using it find it.
 */
import { notFound } from './errors.ts';
import { json, type NetworkRoute, route } from './http.ts';

/** [alias, name, description, updated]. */
const EXTENSIONS: readonly (readonly [string, string, string, string])[] = [
  ['agent', 'agent', 'The agent management extension.', '2013-02-03T10:00:00-00:00'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs', '2013-07-23T10:00:00-00:00'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.', '2015-01-01T10:00:00-00:00'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application', '2014-02-03T10:00:00-00:00'],
  [
    'ext-gw-mode',
    'Neutron L3 Configurable external gateway mode',
    'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
    '2013-03-28T10:00:00-00:00',
  ],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.', '2013-01-14T10:00:00-00:00'],
  ['filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.', '2018-07-04T10:00:00-00:00'],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.', '2015-03-25T10:00:00-00:00'],
  ['net-mtu-writable', 'Network MTU (writable)', 'Provides a writable MTU attribute for a network resource.', '2017-07-12T00:00:00-00:00'],
  ['network-ip-availability', 'Network IP Availability', 'Provides IP availability data for each network and subnet.', '2015-09-24T00:00:00-00:00'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.', '2015-01-01T10:00:00-00:00'],
  ['pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.', '2016-06-12T00:00:00-00:00'],
  ['port-security', 'Port Security', 'Provides port security', '2012-07-23T10:00:00-00:00'],
  ['port-security-groups-filtering', 'Port filtering on security groups', 'Provides security groups filtering when listing ports', '2018-01-09T09:00:00-00:00'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.', '2016-09-09T09:09:09-09:09'],
  ['provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks', '2012-09-07T10:00:00-00:00'],
  ['quota_details', 'Quota details management support', 'Expose functions for quotas usage statistics per project', '2017-02-10T10:00:00-00:00'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per project', '2012-07-29T10:00:00-00:00'],
  [
    'router',
    'Neutron L3 Router',
    'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
    '2012-07-20T10:00:00-00:00',
  ],
  ['router_availability_zone', 'Router Availability Zone', 'Availability zone support for router.', '2015-01-01T10:00:00-00:00'],
  ['security-group', 'security-group', 'The security groups extension.', '2012-10-05T10:00:00-00:00'],
  [
    'security-groups-normalized-cidr',
    'Normalized CIDR field for security group rules',
    'Add new field with normalized remote_ip_prefix cidr in SG rule',
    '2020-07-28T10:00:00-00:00',
  ],
  ['sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.', '2016-06-12T00:00:00-00:00'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes', '2016-02-10T10:00:00-00:00'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.', '2016-04-11T10:00:00-00:00'],
  [
    'standard-attr-timestamp',
    'Resource timestamps',
    'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
    '2016-09-12T10:00:00-00:00',
  ],
  ['stateful-security-group', 'Stateful security group', 'Indicates if the security group is stateful or not', '2019-11-26T09:00:00-00:00'],
];

const view = ([alias, name, description, updated]: readonly [string, string, string, string]) => ({ alias, name, description, updated, links: [] });

/** The aliases served, for tests and for other services that check before using one. */
export const EXTENSION_ALIASES: readonly string[] = EXTENSIONS.map(([a]) => a);

export function extensionRoutes(): NetworkRoute[] {
  return [
    route({ method: 'GET', path: '/v2.0/extensions', handler: async () => json({ extensions: EXTENSIONS.map(view) }) }),
    route({
      method: 'GET',
      path: '/v2.0/extensions/:alias',
      handler: async (req) => {
        const ext = EXTENSIONS.find(([a]) => a === req.params.alias);
        if (!ext) throw notFound('HTTPNotFound', `Extension with alias ${req.params.alias} does not exist`);
        return json({ extension: view(ext) });
      },
    }),
  ];
}
