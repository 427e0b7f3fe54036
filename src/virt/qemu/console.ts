/**
 * The serial console log (console.log, written by QEMU's chardev logfile):
 * reading its tail for get_console_output and trimming it before a start.
 */
import fs from 'node:fs';
import { tailFile } from './process.ts';

/**
 * The last `maxLines` lines (all when undefined) of at most the last
 * `maxBytes` of the log, with carriage returns removed. A line cut by the
 * byte limit is dropped.
 */
export function readConsoleLog(file: string, maxBytes: number, maxLines?: number): string {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  let lines = tailFile(file, maxBytes).replaceAll('\r', '').split('\n');
  if (size > maxBytes) lines = lines.slice(1);
  if (lines.at(-1) === '') lines.pop();
  if (maxLines !== undefined) lines = maxLines > 0 ? lines.slice(-maxLines) : [];
  return lines.length ? `${lines.join('\n')}\n` : '';
}

/** Keep only the last `maxBytes` of the log (called before QEMU starts and appends to it). */
export function trimConsoleLog(file: string, maxBytes: number): void {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (size > maxBytes) fs.writeFileSync(file, tailFile(file, maxBytes));
}
