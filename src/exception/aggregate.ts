/** Host aggregate errors, with Nova's messages (nova/exception.py). */
import { Conflict, Invalid, NotFound, registerErrors } from './base.ts';

/** 404: no live aggregate with this id. */
export class AggregateNotFound extends NotFound {
  static of(id: number | string): AggregateNotFound {
    return new AggregateNotFound(`Aggregate ${id} could not be found.`, { aggregate_id: id });
  }
}

/** 409: another live aggregate has this name. */
export class AggregateNameExists extends Conflict {
  static of(name: string): AggregateNameExists {
    return new AggregateNameExists(`Aggregate ${name} already exists.`, { aggregate_name: name });
  }
}

/** 409: the host is already in the aggregate. */
export class AggregateHostExists extends Conflict {
  static of(id: number, host: string): AggregateHostExists {
    return new AggregateHostExists(`Aggregate ${id} already has host ${host}.`, { aggregate_id: id, host });
  }
}

/** 404: the host is not in the aggregate. */
export class AggregateHostNotFound extends NotFound {
  static of(id: number, host: string): AggregateHostNotFound {
    return new AggregateHostNotFound(`Aggregate ${id} has no host ${host}.`, { aggregate_id: id, host });
  }
}

/** 400 (409 for add_host): InvalidAggregateAction and its Add/Delete/Update/UpdateMeta variants. */
export class InvalidAggregateAction extends Invalid {
  /** The variant's message: "Cannot add host to aggregate 1. Reason: …." */
  static of(action: 'add' | 'delete' | 'update' | 'update_meta', id: number, reason: string): InvalidAggregateAction {
    const what = { add: 'add host to aggregate', delete: 'remove host from aggregate', update: 'update aggregate', update_meta: 'update metadata of aggregate' }[action];
    return new InvalidAggregateAction(`Cannot ${what} ${id}. Reason: ${reason}.`, { aggregate_id: id, reason });
  }
}

registerErrors(AggregateNotFound, AggregateNameExists, AggregateHostExists, AggregateHostNotFound, InvalidAggregateAction);
