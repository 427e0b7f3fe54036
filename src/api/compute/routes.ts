import type { Route } from '../types.ts';
import type { ApiDeps } from './deps.ts';

/** Top-level collections under /v2.1 (used to recognise legacy /v2.1/{project_id}/… URLs). */
export const COLLECTIONS = [
  'servers',
  'flavors',
  'os-services',
  'os-hypervisors',
  'os-availability-zone',
  'limits',
  'os-keypairs',
  'os-quota-sets',
  'os-instance-actions',
  'extensions',
  'images',
  'os-console-auth-tokens',
  'os-certificates',
  'os-simple-tenant-usage',
  'os-aggregates',
  'os-migrations',
  'os-server-groups',
] as const;

/** The route table of the Compute API: every resource module contributes its rows. */
export function computeRoutes(_deps: ApiDeps): Route[] {
  return [
    // resource route lists are added here, one line per resource module
  ];
}
