/**
 * The quota on a boot's injected files (personality, before 2.57), as
 * nova.compute.api.API._check_injected_file_quota: how many files, then the
 * longest path and the longest contents (the base64 text as given).
 */
import type { NovaConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import { OverQuota } from '../exception/resources.ts';
import { effectiveLimits } from './quota.ts';

export interface InjectedFile {
  readonly path: string;
  readonly contents: string;
}

const over = (limit: number, value: number) => limit >= 0 && value > limit;

/** Throws OverQuota (403) with Nova's OnsetFile* messages; nothing to check without files. */
export async function checkInjectedFiles(deps: { conf: NovaConfig; db: DbApi }, projectId: string, files: readonly InjectedFile[]): Promise<void> {
  if (files.length === 0) return;
  const limits = await effectiveLimits(deps, projectId);
  if (over(limits.injected_files, files.length)) throw new OverQuota('Personality file limit exceeded');
  const maxPath = Math.max(...files.map((f) => [...f.path].length));
  const maxContent = Math.max(...files.map((f) => [...f.contents].length));
  // The path limit is reported in favour of the content limit.
  if (over(limits.injected_file_path_bytes, maxPath)) throw new OverQuota(`Personality file path exceeds maximum ${limits.injected_file_path_bytes}`);
  if (over(limits.injected_file_content_bytes, maxContent)) throw new OverQuota(`Personality file content exceeds maximum ${limits.injected_file_content_bytes}`);
}
