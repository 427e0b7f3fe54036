/**
 * os-instance_usage_audit_log (nova/api/openstack/compute/instance_usage_audit_log.py):
 * GET /os-instance_usage_audit_log and /{before}, admin only: how the
 * instance usage audit of the last completed period (a month, Nova's
 * default [DEFAULT] instance_usage_audit_period) went on every compute host
 * (disabled ones too), from task_log. With Nova's default
 * instance_usage_audit = False no host runs it, and every host is listed as
 * not run. {before} is "%Y-%m-%d %H:%M:%S[.%f]" (else 400).
 */
import { badRequest } from '../errors.ts';
import { authorize } from '../policy.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';
import type { ApiDeps } from './deps.ts';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** Python's str(datetime) of a naive UTC time. */
const pyStr = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;

/** utils.last_completed_audit_period for unit 'month': [first of the month before, first of this month) of the last month that ended before `before`. */
export function lastCompletedMonth(before: Date): { begin: Date; end: Date } {
  let end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth(), 1));
  if (end.getTime() >= before.getTime()) end = new Date(Date.UTC(before.getUTCFullYear(), before.getUTCMonth() - 1, 1));
  const begin = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - 1, 1));
  return { begin, end };
}

/** datetime.strptime with "%Y-%m-%d %H:%M:%S.%f" (when the id has a dot) or "%Y-%m-%d %H:%M:%S". */
function parseBefore(id: string): Date | null {
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,6}))?$/.exec(id);
  if (!m || (id.includes('.') && m[7] === undefined)) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
  const ms = m[7] ? Math.floor(Number(m[7].padEnd(6, '0')) / 1000) : 0;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  if (date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return date;
}

async function auditLog(deps: ApiDeps, before: Date) {
  const { begin, end } = lastCompletedMonth(before);
  const stamp = (d: Date) => `${pyStr(d)}.000000`;
  const logs = await deps.db.taskLog.list('instance_usage_audit', stamp(begin), stamp(end));
  const hosts = new Set((await deps.db.services.list()).filter((s) => s.topic === 'compute').map((s) => s.host));
  const seen = new Set<string>();
  const done = new Set<string>();
  const running = new Set<string>();
  let errors = 0;
  let items = 0;
  const log: Record<string, { state: string; instances: number; errors: number; message: string }> = {};
  for (const t of logs) {
    seen.add(t.host);
    if (t.state === 'DONE') done.add(t.host);
    if (t.state === 'RUNNING') running.add(t.host);
    errors += t.errors;
    items += t.task_items;
    log[t.host] = { state: t.state, instances: t.task_items, errors: t.errors, message: t.message };
  }
  const missing = [...hosts].filter((h) => !seen.has(h));
  return {
    period_beginning: pyStr(begin),
    period_ending: pyStr(end),
    num_hosts: hosts.size,
    num_hosts_done: done.size,
    num_hosts_running: running.size,
    num_hosts_not_run: missing.length,
    hosts_not_run: missing,
    total_instances: items,
    total_errors: errors,
    overall_status: `${done.size === hosts.size ? 'ALL' : `${done.size} of ${hosts.size}`} hosts done. ${errors} errors.`,
    log,
  };
}

async function index(deps: ApiDeps, req: ApiRequest): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-instance-usage-audit-log:list');
  return ok({ instance_usage_audit_logs: await auditLog(deps, new Date()) });
}

async function show(deps: ApiDeps, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  authorize(req.ctx, 'os_compute_api:os-instance-usage-audit-log:show');
  const before = parseBefore(req.params.id);
  if (!before) throw badRequest(`Invalid timestamp for date ${req.params.id}`);
  return ok({ instance_usage_audit_log: await auditLog(deps, before) });
}

/** The os-instance_usage_audit_log routes. */
export function instanceUsageAuditLogRoutes(deps: ApiDeps): Route[] {
  return [
    route({ method: 'GET', path: '/os-instance_usage_audit_log', policy: 'os_compute_api:os-instance-usage-audit-log:list', handler: (req) => index(deps, req) }),
    route({ method: 'GET', path: '/os-instance_usage_audit_log/:id', policy: 'os_compute_api:os-instance-usage-audit-log:show', handler: (req) => show(deps, req) }),
  ];
}
