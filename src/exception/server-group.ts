import { NotFound, registerErrors } from './base.ts';

/** No such (live) server group: Nova's InstanceGroupNotFound, 404 from os-server-groups. */
export class InstanceGroupNotFound extends NotFound {
  static of(groupUuid: string): InstanceGroupNotFound {
    return new InstanceGroupNotFound(`Instance group ${groupUuid} could not be found.`, { group_uuid: groupUuid });
  }
}

registerErrors(InstanceGroupNotFound);
