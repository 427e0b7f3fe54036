import { attachmentRoutes } from './attachments.ts';
import type { VolumeDeps, VolumeRoute } from './http.ts';
import { miscRoutes } from './misc.ts';
import { quotaRoutes } from './quotas.ts';
import { snapshotRoutes } from './snapshots.ts';
import { typeAccessRoutes } from './type-access.ts';
import { typeRoutes } from './types.ts';
import { volumeActionRoutes } from './volume-actions.ts';
import { volumeCreateRoutes } from './volume-create.ts';
import { volumeRoutes } from './volumes.ts';

/** The volume API's route table (Cinder v3 subset). */
export function volumeApiRoutes(deps: VolumeDeps): VolumeRoute[] {
  return [
    ...volumeRoutes(deps),
    ...volumeCreateRoutes(deps),
    ...volumeActionRoutes(deps),
    ...snapshotRoutes(deps),
    ...attachmentRoutes(deps),
    ...typeRoutes(deps),
    ...typeAccessRoutes(deps),
    ...quotaRoutes(deps),
    ...miscRoutes(deps),
  ];
}
