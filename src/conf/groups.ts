import { apiGroup } from './api.ts';
import { cinderGroup } from './cinder.ts';
import { computeGroup, fakeGroup } from './compute.ts';
import { computeSimGroup } from './compute-sim.ts';
import { conductorGroup } from './conductor.ts';
import { consoleauthGroup } from './consoleauth.ts';
import { consoleGroup, serialConsoleGroup, spiceGroup } from './consoles.ts';
import { databaseGroup } from './database.ts';
import { defaultGroup } from './default.ts';
import { identityGroup, keystoneAuthtokenGroup, tokenGroup } from './identity.ts';
import { glanceApiGroup, glanceGroup, glanceStoreGroup } from './image.ts';
import { rabbitGroup } from './messaging.ts';
import { neutronServerGroup, novaGroup } from './network.ts';
import { agentGroup, linuxBridgeGroup, vxlanGroup } from './network-agent.ts';
import { neutronGroup } from './neutron.ts';
import type { GroupValues, Opt, OptGroup } from './opt.ts';
import { qemuGroup } from './qemu.ts';
import { quotaGroup } from './quota.ts';
import { filterSchedulerGroup, schedulerGroup } from './scheduler.ts';
import { wsgiGroup } from './ssl.ts';
import { vncGroup } from './vnc.ts';
import { volumeServerGroup } from './volume.ts';
import { volumeGroup } from './volume-driver.ts';

/** Every option group nova knows, by section name. Add new groups here. */
export const groups = {
  DEFAULT: defaultGroup,
  agent: agentGroup,
  api: apiGroup,
  cinder: cinderGroup,
  compute: computeGroup,
  compute_sim: computeSimGroup,
  conductor: conductorGroup,
  console: consoleGroup,
  consoleauth: consoleauthGroup,
  database: databaseGroup,
  fake: fakeGroup,
  filter_scheduler: filterSchedulerGroup,
  glance: glanceGroup,
  glance_api: glanceApiGroup,
  glance_store: glanceStoreGroup,
  identity: identityGroup,
  keystone_authtoken: keystoneAuthtokenGroup,
  linux_bridge: linuxBridgeGroup,
  neutron: neutronGroup,
  neutron_server: neutronServerGroup,
  nova: novaGroup,
  oslo_messaging_rabbit: rabbitGroup,
  qemu: qemuGroup,
  quota: quotaGroup,
  scheduler: schedulerGroup,
  serial_console: serialConsoleGroup,
  spice: spiceGroup,
  token: tokenGroup,
  vnc: vncGroup,
  volume: volumeGroup,
  volume_server: volumeServerGroup,
  vxlan: vxlanGroup,
  wsgi: wsgiGroup,
} as const;

export type GroupName = keyof typeof groups;

/** The effective configuration: every option of every group, defaults filled in. */
export type NovaConfig = { readonly [G in GroupName]: GroupValues<(typeof groups)[G]> };

export function groupList(): OptGroup<Record<string, Opt<unknown>>>[] {
  return Object.values(groups) as OptGroup<Record<string, Opt<unknown>>>[];
}
