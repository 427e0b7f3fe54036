import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { QemuDriver } from '../../src/virt/qemu/driver.ts';
import { qemuSkip } from '../support/backends.ts';
import { BANNER, IMAGE_ID, makeDriver, makeInstance, makeWorld, serialCommand, waitFor } from './qemu-support.ts';

/** Greeting of an RFB (VNC) server: "RFB 003.008\n". */
function rfbGreeting(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    s.setTimeout(10_000, () => {
      s.destroy();
      reject(new Error('no RFB greeting'));
    });
    s.once('error', reject);
    s.once('data', (d) => {
      s.destroy();
      resolve(d.toString('latin1'));
    });
  });
}

/** `[qemu] console_listen = tcp`: consoles a proxy on another host can reach, on ports kept per instance. */
describe('qemu consoles on TCP', () => {
  let skip: string | undefined;
  let world: ReturnType<typeof makeWorld>;
  let driver: QemuDriver;
  before(async () => {
    skip = await qemuSkip();
    if (skip) return;
    world = makeWorld();
    driver = makeDriver(world, { console_listen: 'tcp', console_port_range: '26900:26999' });
    await driver.initHost('qemu-test', []);
  });
  after(async () => {
    if (skip || !world) return; // no world: the setup failed before anything started
    await driver?.cleanupHost();
    fs.rmSync(world.root, { recursive: true, force: true });
  });

  it('serves VNC and the serial console on TCP, with the same ports after power off and on', async (t) => {
    if (skip) return t.skip(skip);
    const inst = makeInstance(randomUUID(), 'tcp-1');
    await driver.spawn(inst, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
    try {
      const vnc = await driver.getVncConsole(inst);
      const serial = await driver.getSerialConsole(inst);
      assert.equal(vnc.path, undefined);
      assert.ok(vnc.port >= 26900 && vnc.port <= 26999 && serial.port !== vnc.port, JSON.stringify({ vnc, serial }));
      assert.match(await rfbGreeting(vnc.port), /^RFB 003\.00\d\n/);
      await waitFor('the boot banner', 90_000, async () => ((await driver.getConsoleOutput(inst)).includes(BANNER) ? true : undefined));
      const out = await serialCommand({ host: serial.host, port: serial.port }, 'echo NOVA-TCP-$((6*7))', 'NOVA-TCP-42');
      assert.match(out, /NOVA-TCP-42/);
      await driver.powerOff(inst, 0);
      await driver.powerOn(inst);
      assert.equal((await driver.getVncConsole(inst)).port, vnc.port, 'ports are kept per instance');
      assert.match(await rfbGreeting(vnc.port), /^RFB/);
      const other = makeInstance(randomUUID(), 'tcp-2');
      await driver.spawn(other, { image: { id: IMAGE_ID, properties: {} }, adminPassword: null });
      const vnc2 = await driver.getVncConsole(other);
      assert.ok(![vnc.port, serial.port].includes(vnc2.port), 'a second guest gets other ports');
      await driver.destroy(other);
    } finally {
      await driver.destroy(inst);
    }
    assert.equal(fs.existsSync(path.join(world.instancesPath, inst.uuid)), false);
  });
});
