import { Conflict, Invalid, NotFound, NovaError, registerErrors } from './base.ts';

export class InstanceNotFound extends NotFound {
  static of(instanceId: string): InstanceNotFound {
    return new InstanceNotFound(`Instance ${instanceId} could not be found.`, { instance_id: instanceId });
  }
}

/** A guarded update found the instance in another task_state or vm_state (optimistic concurrency). */
export class UnexpectedTaskStateError extends Conflict {
  static of(uuid: string, expected: unknown, actual: unknown): UnexpectedTaskStateError {
    return new UnexpectedTaskStateError(`Conflict updating instance ${uuid}. Expected: ${JSON.stringify(expected)}. Actual: ${JSON.stringify(actual)}`, {
      instance_uuid: uuid,
      expected,
      actual,
    });
  }
}

/** An action is not allowed in the instance's current state. */
export class InstanceInvalidState extends Conflict {
  static of(uuid: string, attr: string, state: string | null, method: string): InstanceInvalidState {
    return new InstanceInvalidState(`Instance ${uuid} in ${attr} ${state}. Cannot ${method} while the instance is in this state.`, { instance_uuid: uuid, attr, state, method });
  }

  /** The state attribute that refused the action (vm_state, task_state…), when the error names one. */
  get attr(): string | undefined {
    const v = this.kwargs.attr;
    return typeof v === 'string' ? v : undefined;
  }

  /** That attribute's value (null: unset), when the error names one. */
  get state(): string | null | undefined {
    const v = this.kwargs.state;
    return typeof v === 'string' || v === null ? v : undefined;
  }
}

export class InstanceIsLocked extends Conflict {
  static of(uuid: string): InstanceIsLocked {
    return new InstanceIsLocked(`Instance ${uuid} is locked`, { instance_uuid: uuid });
  }
}

export class InstanceNotRunning extends Conflict {}
export class InstanceFaultRollback extends NovaError {}
export class InvalidSortKey extends Invalid {}
export class MarkerNotFound extends Invalid {
  static of(marker: string): MarkerNotFound {
    return new MarkerNotFound(`marker [${marker}] not found`, { marker });
  }
}

registerErrors(InstanceNotFound, UnexpectedTaskStateError, InstanceInvalidState, InstanceIsLocked, InstanceNotRunning, InstanceFaultRollback, InvalidSortKey, MarkerNotFound);
