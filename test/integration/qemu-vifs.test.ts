/**
 * The QEMU driver's NICs on real taps: an instance whose network info holds
 * one VIF boots the test guest with a virtio-net device on
 * `tap<port[:11]>` carrying the port's MAC (no user-mode NIC); the test
 * plugs that tap into a bridge it made (what the network agent's bridge role
 * does on its next poll), a dnsmasq in a namespace on the bridge hands the
 * port's address to that MAC, the guest reports the lease on its serial
 * console; from that namespace, over the bridge and the tap, the guest's
 * HTTP server answers and SSH with the instance's key (from its config
 * drive) runs a command; destroy removes the tap. Needs root, iproute2,
 * QEMU, dnsmasq, genisoimage and the OpenSSH client.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { VifInfo } from '../../src/objects/network-info.ts';
import { qemuSkip, REQUIRE } from '../support/backends.ts';
import { createPrivateNet, netnsSkip, type PrivateNet, sh } from '../support/netns.ts';
import { onCleanup } from '../support/procs.ts';
import { configDriveSkip, IMAGE_ID, makeDriver, makeInstance, makeWorld, waitFor } from './qemu-support.ts';

async function programsSkip(): Promise<string | undefined> {
  for (const p of ['dnsmasq', 'ssh', 'ssh-keygen']) {
    if ((await sh('sh', ['-c', `command -v ${p}`], { allowFailure: true })).code === 0) continue;
    if (REQUIRE) throw new Error(`${p} is missing, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
    return `SKIPPED: ${p} is not installed`;
  }
  return undefined;
}

const skip = (await qemuSkip()) ?? (await netnsSkip()) ?? (await programsSkip()) ?? configDriveSkip('iso9660');

describe('qemu driver: VIFs on taps', { skip, timeout: 300_000 }, () => {
  let net: PrivateNet;
  before(async () => {
    net = await createPrivateNet(1, 'nvq');
  });
  after(() => net?.close());

  it('boots the guest on the port tap with the port MAC; DHCP on the bridge gives it the port address; HTTP and SSH reach it; destroy removes the tap', async () => {
    const world = makeWorld();
    const key = path.join(world.root, 'id_ed25519');
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vif@test', '-f', key]);
    const driver = makeDriver(world);
    await driver.initHost('qemu-test', []);
    const prefix = net.subnet.replace(/\.0\/24$/, '');
    const dhcpServer = net.nodes[0]?.ip ?? '';
    const portId = randomUUID();
    const tap = `tap${portId.slice(0, 11)}`;
    onCleanup(`tap ${tap}`, async () => void (await sh('ip', ['link', 'del', tap], { allowFailure: true })));
    const mac = `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)?.join(':')}`;
    const fixed = `${prefix}.50`;
    net.spawn(0, 'dnsmasq', 'dnsmasq', [
      '--no-daemon',
      '--conf-file=/dev/null',
      '--port=0',
      '--no-hosts',
      '--no-resolv',
      '--leasefile-ro',
      '--interface=eth0',
      '--bind-interfaces',
      `--dhcp-range=${prefix}.0,static,255.255.255.0`,
      `--dhcp-host=${mac},${fixed}`,
      `--dhcp-option=3,${dhcpServer}`,
      '--log-dhcp',
    ]);
    const vif: VifInfo = {
      id: portId,
      address: mac,
      network: { id: randomUUID(), label: 'private', subnets: [], meta: { mtu: 1450 } },
      type: 'bridge',
      devname: tap,
      active: true,
      vnic_type: 'normal',
      preserve_on_delete: false,
      tag: null,
    };
    const keyData = fs.readFileSync(`${key}.pub`, 'utf8').trim();
    const inst = { ...makeInstance(randomUUID(), 'vif-guest'), network_info: [vif], config_drive: 'True', key_name: 'vifkey', key_data: keyData };
    try {
      await driver.spawn(inst, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      const link = JSON.parse((await sh('ip', ['-j', '-d', 'link', 'show', tap])).stdout) as { mtu: number; linkinfo?: { info_kind?: string; info_data?: { type?: string } } }[];
      assert.equal(link[0]?.linkinfo?.info_data?.type, 'tap', 'a tap device');
      assert.equal(link[0]?.mtu, 1450, "the network's MTU");
      // What the bridge role does on its next poll for a tap of a port bound here.
      await sh('ip', ['link', 'set', tap, 'master', net.bridge]);
      const console = await waitFor('the DHCP lease on the serial console', 180_000, async () => {
        const out = await driver.getConsoleOutput(inst);
        return out.includes('NOVA-GUEST-DHCP') ? out : undefined;
      });
      assert.match(console, new RegExp(`nics=eth0/${mac}(\\s|$)`), 'one NIC, with the port MAC');
      assert.match(console, new RegExp(`NOVA-GUEST-DHCP eth0 ${fixed.replaceAll('.', '\\.')}/24 gw=${dhcpServer.replaceAll('.', '\\.')}`));
      const cmdline = (await sh('ps', ['-o', 'args=', '-C', 'qemu-system-x86_64'])).stdout.split('\n').find((l) => l.includes(inst.uuid)) ?? '';
      assert.match(cmdline, new RegExp(`-netdev tap,id=hostnet-${portId.slice(0, 11)},ifname=${tap},script=no,downscript=no`));
      assert.doesNotMatch(cmdline, /-nic user/);

      // TCP over the bridge and the tap, from the namespace (a machine beside the guest on its network).
      const http = await waitFor('HTTP from the guest', 60_000, async () => {
        // Node's fetch in the namespace (Debian's busybox 1.35 `wget -T` segfaults).
        const get = `fetch('http://${fixed}/', { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((t) => process.stdout.write(t))`;
        const r = await net.exec(0, process.execPath, ['-e', get], { allowFailure: true, timeoutMs: 10_000 });
        return r.code === 0 && r.stdout.includes('NOVA-GUEST-HTTP') ? r.stdout : undefined;
      });
      assert.match(http, new RegExp(`NOVA-GUEST-HTTP host=vif-guest\\S* addrs=${fixed.replaceAll('.', '\\.')}/24`));
      await waitFor('the key from the config drive', 60_000, async () => ((await driver.getConsoleOutput(inst)).includes('NOVA-GUEST-KEYS 1') ? true : undefined));
      const ssh = ['-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=10', '-o', 'LogLevel=ERROR'];
      const hostname = await waitFor('SSH into the guest', 60_000, async () => {
        const r = await net.exec(0, 'ssh', [...ssh, `root@${fixed}`, 'hostname'], { allowFailure: true, timeoutMs: 30_000 });
        return r.code === 0 ? r.stdout.trim() : undefined;
      });
      assert.match(hostname, /^vif-guest\b/);
    } finally {
      await driver.destroy(inst);
    }
    assert.equal((await sh('ip', ['link', 'show', tap], { allowFailure: true })).code !== 0, true, 'the tap is gone');
  });
});
