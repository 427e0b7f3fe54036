import { NotFound, registerErrors } from './base.ts';

/** nova.exception.MigrationNotFound. */
export class MigrationNotFound extends NotFound {
  static of(id: string | number): MigrationNotFound {
    return new MigrationNotFound(`Migration ${id} could not be found.`, { migration_id: id });
  }
}

/** nova.exception.MigrationNotFoundByStatus: the instance has no migration in that status. */
export class MigrationNotFoundByStatus extends MigrationNotFound {
  static for(instanceUuid: string, status: string): MigrationNotFoundByStatus {
    return new MigrationNotFoundByStatus(`Migration not found for instance ${instanceUuid} with status ${status}.`, { instance_id: instanceUuid, status });
  }
}

registerErrors(MigrationNotFound, MigrationNotFoundByStatus);
