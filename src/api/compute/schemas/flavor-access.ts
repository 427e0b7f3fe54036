/** Request schemas of the flavor access actions (nova/api/openstack/compute/schemas/flavor_access.py). */
import { Type } from 'typebox';

const tenant = Type.Object({ tenant: Type.String({ minLength: 1, maxLength: 255 }) }, { additionalProperties: false });

/** POST /flavors/{id}/action {"addTenantAccess": {"tenant": …}} */
export const addTenantAccess = Type.Object({ addTenantAccess: tenant }, { additionalProperties: false });

/** POST /flavors/{id}/action {"removeTenantAccess": {"tenant": …}} */
export const removeTenantAccess = Type.Object({ removeTenantAccess: tenant }, { additionalProperties: false });
