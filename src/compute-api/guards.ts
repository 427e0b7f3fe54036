/**
 * The checks every action of the façade makes first (Nova's
 * check_instance_lock, check_instance_state, the driver's capabilities) and
 * the guarded move into a task state that starts an action.
 */
import type { RequestContext } from '../context.ts';
import type { DbApi } from '../db/api/index.ts';
import { NotImplementedYet } from '../exception/base.ts';
import { InstanceInvalidState, InstanceIsLocked, UnexpectedTaskStateError } from '../exception/instance.ts';
import type { DriverCapability, ReportedCapabilities } from '../objects/compute-node.ts';
import type { InstanceDTO, InstanceUpdate } from '../objects/instance.ts';

/** Nova's common.raise_feature_not_supported() text, answered with 501 when the host's driver cannot do an action. */
export const FEATURE_NOT_SUPPORTED = 'The requested functionality is not supported.';

/** Nova's check_instance_lock: a locked instance only takes actions from admins. */
export function checkLock(ctx: RequestContext, inst: InstanceDTO): void {
  if (inst.locked && !ctx.is_admin) throw InstanceIsLocked.of(inst.uuid);
}

/** Nova's check_instance_state. */
export function checkState(inst: InstanceDTO, method: string, vmStates: readonly string[] | null, taskStates: readonly (string | null)[] | null): void {
  if (vmStates && !vmStates.includes(inst.vm_state)) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, method);
  if (taskStates && !taskStates.includes(inst.task_state)) throw InstanceInvalidState.of(inst.uuid, 'task_state', inst.task_state, method);
}

/**
 * What the driver of the instance's compute node reported it can do; null
 * when unknown (no host yet, no node record, or a nova-compute that never
 * reported capabilities).
 */
export async function hostCapabilities(db: DbApi, inst: InstanceDTO): Promise<ReportedCapabilities | null> {
  if (!inst.host) return null;
  const nodes = await db.computeNodes.listByHost(inst.host);
  const node = nodes.find((n) => n.hypervisor_hostname === inst.node) ?? nodes[0];
  return node?.capabilities ?? null;
}

/** Whether the host's driver said it cannot do this. Unknown is not "cannot": nova-compute answers then. */
export async function hostLacks(db: DbApi, inst: InstanceDTO, capability: DriverCapability): Promise<boolean> {
  return (await hostCapabilities(db, inst))?.[capability] === false;
}

/**
 * Refuse, before anything is recorded or cast, an action the host's driver
 * cannot do: 501 with Nova's "The requested functionality is not
 * supported." (pause_server answers a driver's NotImplementedError so,
 * through common.raise_feature_not_supported).
 */
export async function requireCapability(db: DbApi, inst: InstanceDTO, capability: DriverCapability): Promise<void> {
  if (await hostLacks(db, inst, capability)) throw new NotImplementedYet(FEATURE_NOT_SUPPORTED, { capability, host: inst.host });
}

/**
 * Move to a task state (guarded by the states the checks saw, so of two
 * concurrent actions one wins), with any other changes, and record the
 * instance action.
 */
export async function begin(
  db: DbApi,
  ctx: RequestContext,
  inst: InstanceDTO,
  action: string,
  method: string,
  taskState: string,
  expected: readonly (string | null)[],
  changes: InstanceUpdate = {},
): Promise<InstanceDTO> {
  if (!inst.host) throw InstanceInvalidState.of(inst.uuid, 'vm_state', inst.vm_state, method);
  let updated: InstanceDTO;
  try {
    updated = await db.instances.update(inst.uuid, { ...changes, task_state: taskState }, { expectedTaskState: expected, expectedVmState: [inst.vm_state] });
  } catch (e) {
    if (e instanceof UnexpectedTaskStateError) {
      const now = await db.instances.get(inst.uuid);
      throw InstanceInvalidState.of(inst.uuid, 'task_state', now.task_state, method);
    }
    throw e;
  }
  await db.history.startAction({ action, instance_uuid: inst.uuid, request_id: ctx.request_id, user_id: ctx.user_id, project_id: ctx.project_id });
  return updated;
}
