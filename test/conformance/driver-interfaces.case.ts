/**
 * The interface cases of the driver contract (attachInterface and
 * detachInterface: Nova's attach_interface / detach_interface), run by
 * moveCases on the suite's guest: a VIF hot-plugged into the running guest
 * and unplugged again while it runs on, both idempotent; on a shut-off
 * guest both only change what its next start gets (the network info the
 * manager saves), and the guest stays off; a guest the driver does not have
 * is InstanceNotFound. A driver whose attach capability is off refuses
 * (DriverNotSupported) or has no such methods.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { InstanceNotFound } from '../../src/exception/instance.ts';
import { DriverNotSupported } from '../../src/exception/virt.ts';
import type { VifInfo } from '../../src/objects/network-info.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { MoveSuite } from './driver-moves.case.ts';

/** A port's VIF as the manager passes it (no network behind it: the guest only gets the device). */
function vifFixture(): VifInfo {
  const id = randomUUID();
  return {
    id,
    address: `fa:16:3e:${randomBytes(3).toString('hex').match(/../g)?.join(':')}`,
    network: { id: randomUUID(), label: 'conformance', subnets: [], meta: {} },
    type: 'bridge',
    devname: `tap${id.slice(0, 11)}`,
    active: true,
    vnic_type: 'normal',
    preserve_on_delete: false,
    tag: null,
  };
}

/** A host device the driver could not make without privileges (a tap as non-root). */
const unprivileged = (e: unknown) => process.getuid?.() !== 0 && /not permitted|permission denied/i.test(String(e));

export function interfaceCases(s: MoveSuite): void {
  it('hot-plugs a VIF into the running guest and unplugs it, the guest running on (both idempotent)', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    const vif = vifFixture();
    if (!d.capabilities.supports_attach_interface) {
      if (d.attachInterface) await assert.rejects(d.attachInterface(guest, vif), DriverNotSupported);
      if (d.detachInterface) await assert.rejects(d.detachInterface(guest, vif), DriverNotSupported);
      return;
    }
    assert.ok(d.attachInterface && d.detachInterface, 'supports_attach_interface promises both methods');
    await assert.rejects(d.attachInterface(s.newInstance('ghost'), vif), InstanceNotFound);
    await s.ensureRunning(guest);
    try {
      await d.attachInterface(guest, vif);
    } catch (e) {
      if (unprivileged(e)) return t.skip(`the driver's VIFs need root here: ${String(e)}`);
      throw e;
    }
    await d.attachInterface(guest, vif);
    assert.equal((await d.getInfo(guest)).state, PowerState.RUNNING);
    await d.detachInterface(guest, vif);
    await d.detachInterface(guest, vif);
    assert.equal((await d.getInfo(guest)).state, PowerState.RUNNING);
  });

  it('attach and detach on a shut-off guest leave it off (only its next start changes)', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    if (!d.capabilities.supports_attach_interface || !d.attachInterface || !d.detachInterface) return;
    const vif = vifFixture();
    await s.ensureRunning(guest);
    await d.powerOff(guest, 0);
    assert.equal((await d.getInfo(guest)).state, PowerState.SHUTDOWN);
    await d.attachInterface(guest, vif);
    assert.equal((await d.getInfo(guest)).state, PowerState.SHUTDOWN, 'attach does not start the guest');
    await d.detachInterface(guest, vif);
    assert.equal((await d.getInfo(guest)).state, PowerState.SHUTDOWN, 'detach does not start it either');
    await s.ensureRunning(guest);
  });
}
