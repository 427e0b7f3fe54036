import { atLeast } from '../apiversion.ts';
import { CommandError } from '../errors.ts';
import { type Json, parseCount, resourceString } from '../format.ts';
import { type FindServerOptions, findServer } from '../resolve.ts';
import type { Session } from '../session.ts';

/** POST /servers/{id}/action with a one-key body. */
export async function serverAction(s: Session, server: Json, body: Json): Promise<Json | undefined> {
  return s.client.post<Json | undefined>(`/servers/${encodeURIComponent(String(server.id))}/action`, body);
}

/**
 * Run an action on several servers as novaclient's do_action_on_many: one
 * "Request to <verb> server X has been accepted." per success, the error of
 * each failure, then a CommandError when any failed.
 */
export async function onMany(s: Session, refs: readonly string[], verb: string, find: FindServerOptions, act: (server: Json) => Promise<unknown>): Promise<void> {
  let failed = false;
  for (const ref of refs) {
    try {
      const server = await findServer(s.client, ref, find);
      await act(server);
      s.out.print(`Request to ${verb} server ${resourceString(server)} has been accepted.`);
    } catch (e) {
      failed = true;
      s.out.warn(e instanceof Error ? e.message : String(e));
    }
  }
  if (failed) throw new CommandError(`Unable to ${verb} the specified server(s).`);
}

/** `nova delete`. */
export function deleteServers(s: Session, refs: readonly string[], o: { allTenants?: boolean } = {}): Promise<void> {
  return onMany(s, refs, 'delete', { allTenants: o.allTenants }, (v) => s.client.delete(`/servers/${encodeURIComponent(String(v.id))}`));
}

/** `nova start`. */
export function startServers(s: Session, refs: readonly string[], o: { allTenants?: boolean } = {}): Promise<void> {
  return onMany(s, refs, 'start', { allTenants: o.allTenants }, (v) => serverAction(s, v, { 'os-start': null }));
}

/** `nova stop`. */
export function stopServers(s: Session, refs: readonly string[], o: { allTenants?: boolean } = {}): Promise<void> {
  return onMany(s, refs, 'stop', { allTenants: o.allTenants }, (v) => serverAction(s, v, { 'os-stop': null }));
}

/** `nova reboot [--hard]`. */
export function rebootServers(s: Session, refs: readonly string[], o: { hard?: boolean } = {}): Promise<void> {
  return onMany(s, refs, 'reboot', {}, (v) => serverAction(s, v, { reboot: { type: o.hard ? 'HARD' : 'SOFT' } }));
}

/** The single-server actions without a body: pause, unpause, suspend, resume, unlock. */
export const SIMPLE_ACTIONS = {
  pause: 'Pause a server.',
  unpause: 'Unpause a server.',
  suspend: 'Suspend a server.',
  resume: 'Resume a server.',
  unlock: 'Unlock a server.',
} as const;

/** `nova pause|unpause|suspend|resume|unlock <server>`: silent on success, as novaclient. */
export async function simpleAction(s: Session, action: keyof typeof SIMPLE_ACTIONS, ref: string): Promise<void> {
  await serverAction(s, await findServer(s.client, ref), { [action]: null });
}

/** `nova lock [--reason R]` (the reason needs 2.73). */
export async function lock(s: Session, ref: string, o: { reason?: string } = {}): Promise<void> {
  const v = await s.client.apiVersion();
  if (o.reason !== undefined && !atLeast(v, '2.73')) throw new CommandError("'reason' argument is only allowed since microversion 2.73.");
  const server = await findServer(s.client, ref);
  await serverAction(s, server, { lock: o.reason !== undefined ? { locked_reason: o.reason } : null });
}

/** `nova console-log [--length N]`: the console output, printed as is. */
export async function consoleLog(s: Session, ref: string, o: { length?: string } = {}): Promise<void> {
  const length = o.length === undefined ? null : parseCount(o.length, 'length', -1);
  const server = await findServer(s.client, ref);
  const res = await serverAction(s, server, { 'os-getConsoleOutput': { length } });
  s.out.print(String(res?.output ?? ''));
}
