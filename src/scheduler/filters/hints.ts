import type { RequestSpec } from '../../objects/request-spec.ts';

/**
 * The instance uuids of a scheduler hint that may be one uuid or a list
 * (os:scheduler_hints same_host / different_host). Absent, empty or
 * malformed hints give an empty list.
 */
export function hintUuids(spec: RequestSpec, key: 'same_host' | 'different_host'): string[] {
  const value: unknown = spec.scheduler_hints[key];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return [];
}
