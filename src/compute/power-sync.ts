import type { ConductorAPI } from '../conductor/rpc-types.ts';
import { adminContext } from '../context.ts';
import { InstanceNotFound } from '../exception/instance.ts';
import type { Logger } from '../log.ts';
import { PowerState, VmState } from '../objects/states.ts';
import type { ComputeDriver } from '../virt/driver.ts';

const SETTLED = new Set<string>([VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED]);

/**
 * Nova's _sync_power_states: compare what the database says with what the
 * hypervisor says, for instances with no task in progress. A guest that died
 * or was shut down from inside becomes SHUTOFF (vm_state stopped).
 */
export async function syncPowerStates(host: string, driver: ComputeDriver, conductor: ConductorAPI, log: Logger): Promise<number> {
  const ctx = adminContext();
  const instances = await conductor.instances_on_host(ctx, { host });
  let changed = 0;
  for (const inst of instances) {
    if (inst.task_state !== null || !SETTLED.has(inst.vm_state)) continue;
    let power: number;
    try {
      power = (await driver.getInfo(inst)).state;
    } catch (e) {
      if (!(e instanceof InstanceNotFound)) throw e;
      power = PowerState.NOSTATE;
    }
    if (power === inst.power_state) continue;
    const off = power === PowerState.SHUTDOWN || power === PowerState.CRASHED || power === PowerState.NOSTATE;
    const updates = off && inst.vm_state !== VmState.STOPPED ? { power_state: power, vm_state: VmState.STOPPED } : { power_state: power };
    try {
      await conductor.instance_update(ctx, { uuid: inst.uuid, updates, expected_task_state: [null], expected_vm_state: [inst.vm_state] });
      changed++;
      log.info(
        { instance: inst.uuid, db_power_state: inst.power_state, vm_power_state: power, vm_state: updates.vm_state ?? inst.vm_state },
        'power state synced from the hypervisor',
      );
    } catch (e) {
      log.debug({ instance: inst.uuid, err: String(e) }, 'power sync skipped: the instance changed meanwhile');
    }
  }
  return changed;
}
