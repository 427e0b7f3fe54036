import fs from 'node:fs';
import type { NovaConfig } from '../conf/loader.ts';
import { configArgs, loadConfig } from '../conf/loader.ts';
import type { DbApi } from '../db/api/index.ts';
import { NovaError } from '../exception/base.ts';
import { createLogger, type Logger } from '../log.ts';
import { reportReady, workerId } from '../service/workers.ts';

/** Where nova looks for its configuration when no --config-file is given (as oslo.config). */
export const DEFAULT_CONFIG_FILES = ['/etc/nova/nova.conf'];

export interface CmdEnv {
  conf: NovaConfig;
  log: Logger;
  /** Arguments left after --config-file/--config-dir. */
  args: string[];
}

/** Load nova.conf from argv (or the default location) and make a logger. */
export function setup(
  binary: string,
  argv: readonly string[] = process.argv.slice(2),
  extra: { overrides?: Record<string, Record<string, string>>; prettyOnTty?: boolean } = {},
): CmdEnv {
  const { files, dirs, rest } = configArgs(argv);
  const chosen = files.length || dirs.length ? files : DEFAULT_CONFIG_FILES.filter((f) => fs.existsSync(f));
  const warnings: string[] = [];
  const conf = loadConfig({ files: chosen, dirs, env: process.env, overrides: extra.overrides, warn: (m) => warnings.push(m) });
  const log = createLogger({
    name: binary,
    host: conf.DEFAULT.host,
    debug: conf.DEFAULT.debug,
    file: conf.DEFAULT.log_file,
    pretty: conf.DEFAULT.log_pretty || (extra.prettyOnTty === true && process.stderr.isTTY === true && !conf.DEFAULT.log_file),
    worker: workerId(),
  });
  for (const w of warnings) log.warn(w);
  if (chosen.length) log.debug({ files: chosen }, 'configuration files');
  return { conf, log, args: rest };
}

/** One line on stderr, then exit non-zero: how every binary reports a startup failure. */
export function fail(binary: string, err: unknown): never {
  const msg = err instanceof NovaError ? err.message : err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  process.stderr.write(`${binary}: error: ${msg}\n`);
  if (process.env.NOVA_TRACEBACK === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** Run a binary's main, turning any startup error into one clear line. */
export function main(binary: string, fn: () => Promise<void>): void {
  fn().then(reportReady, (e: unknown) => fail(binary, e));
}

export type { DbApi };
