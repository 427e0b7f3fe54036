import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../exception/base.ts';
import { type GroupName, groupList, groups, type NovaConfig } from './groups.ts';
import { type IniEntry, IniParseError, parseIni } from './ini.ts';
import type { Opt } from './opt.ts';

export interface LoadOptions {
  /** nova.conf files, later ones win (`--config-file`, repeatable). */
  files?: readonly string[];
  /** Directories whose `*.conf` files are read in name order after `files` (`--config-dir`). */
  dirs?: readonly string[];
  /** Environment: `OS_<GROUP>__<OPTION>` overrides files (as oslo.config's environment source). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Programmatic overrides, applied last (tests, all-in-one). Values are INI text. */
  overrides?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Called for each unknown section or option. */
  warn?: (message: string) => void;
}

/** Where a raw value came from, for error messages. */
interface RawValue {
  value: string;
  source: string;
}

/** Sections used by other OpenStack services or future issues that we accept silently. */
const TOLERATED_SECTIONS = new Set([
  'keystone_authtoken',
  'oslo_concurrency',
  'placement',
  'glance',
  'cinder',
  'wsgi',
  'upgrade_levels',
  'notifications',
  'oslo_messaging_notifications',
  'cells',
  'api_database',
]);

function readFiles(opts: LoadOptions): { file: string; entries: IniEntry[] }[] {
  const files = [...(opts.files ?? [])];
  for (const dir of opts.dirs ?? []) {
    let names: string[];
    try {
      names = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.conf'))
        .sort();
    } catch (e) {
      throw new ConfigError(`--config-dir ${dir}: ${(e as Error).message}`);
    }
    files.push(...names.map((n) => path.join(dir, n)));
  }
  return files.map((file) => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConfigError(`--config-file ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    try {
      return { file, entries: parseIni(text, file) };
    } catch (e) {
      if (e instanceof IniParseError) throw new ConfigError(`malformed config file ${e.message}`);
      throw e;
    }
  });
}

/** `$opt`, `${opt}` and `${group.opt}` refer to other options; `$$` is a literal `$`. */
function substitute(value: string, lookup: (group: string, name: string) => string, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][\w.]*)\}|\$([A-Za-z_]\w*)/g, (m, braced?: string, bare?: string) => {
    if (m === '$$') return '$';
    const ref = (braced ?? bare) as string;
    const dot = ref.indexOf('.');
    const [g, n] = dot >= 0 ? [ref.slice(0, dot), ref.slice(dot + 1)] : ['DEFAULT', ref];
    try {
      return lookup(g, n);
    } catch (e) {
      throw new ConfigError(`${where}: cannot substitute $${ref}: ${(e as Error).message}`);
    }
  });
}

/**
 * Build the effective configuration: defaults, then files in order, then the
 * environment, then overrides. Unknown options warn; a value of the wrong
 * type throws ConfigError naming the file, section and option.
 */
export function loadConfig(opts: LoadOptions = {}): NovaConfig {
  const warn = opts.warn ?? (() => {});
  const raw = new Map<string, RawValue>();
  const key = (g: string, n: string) => `${g}\u0000${n}`;
  const known = (section: string, name: string): boolean => {
    const g = (groups as Record<string, { opts: Record<string, unknown> }>)[section];
    return g !== undefined && Object.hasOwn(g.opts, name);
  };

  for (const { file, entries } of readFiles(opts)) {
    for (const e of entries) {
      if (!known(e.section, e.key)) {
        const sectionKnown = Object.hasOwn(groups, e.section);
        if (sectionKnown || !TOLERATED_SECTIONS.has(e.section)) {
          warn(`${file}:${e.line}: unknown option [${e.section}] ${e.key} (ignored)`);
        }
        continue;
      }
      raw.set(key(e.section, e.key), { value: e.value, source: `${file}:${e.line}` });
    }
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    const m = /^OS_([A-Za-z_]+?)__([A-Za-z0-9_]+)$/.exec(k);
    if (!m || v === undefined) continue;
    const section = m[1] === 'DEFAULT' ? 'DEFAULT' : (m[1] as string).toLowerCase();
    const name = (m[2] as string).toLowerCase();
    if (known(section, name)) raw.set(key(section, name), { value: v, source: `environment ${k}` });
    else warn(`environment ${k}: unknown option [${section}] ${name} (ignored)`);
  }
  for (const [section, values] of Object.entries(opts.overrides ?? {})) {
    for (const [name, value] of Object.entries(values)) {
      if (!known(section, name)) throw new ConfigError(`override [${section}] ${name}: unknown option`);
      raw.set(key(section, name), { value, source: 'override' });
    }
  }

  const resolved = new Map<string, unknown>();
  const resolving = new Set<string>();
  const resolve = (section: string, name: string): unknown => {
    const k = key(section, name);
    if (resolved.has(k)) return resolved.get(k);
    const group = (groups as Record<string, { opts: Record<string, Opt<unknown>> }>)[section];
    const opt = group?.opts[name];
    if (!opt) throw new Error(`no option [${section}] ${name}`);
    if (resolving.has(k)) throw new Error(`[${section}] ${name} refers to itself`);
    resolving.add(k);
    const lookup = (g: string, n: string) => String(resolve(g, n));
    let value: unknown;
    const given = raw.get(k);
    if (given) {
      const where = `${given.source}: [${section}] ${name}`;
      const text = substitute(given.value, lookup, where);
      try {
        value = opt.parse(text);
      } catch (e) {
        throw new ConfigError(`${where}: ${(e as Error).message}`);
      }
    } else if (typeof opt.default === 'string') {
      value = substitute(opt.default, lookup, `default of [${section}] ${name}`);
    } else {
      value = opt.default;
    }
    resolving.delete(k);
    resolved.set(k, value);
    return value;
  };

  const conf: Record<string, Record<string, unknown>> = {};
  for (const g of groupList()) {
    const values: Record<string, unknown> = {};
    for (const name of Object.keys(g.opts)) values[name] = resolve(g.name, name);
    conf[g.name] = Object.freeze(values);
  }
  return Object.freeze(conf) as unknown as NovaConfig;
}

/** Split `--config-file X` / `--config-file=X` / `--config-dir X` out of argv. */
export function configArgs(argv: readonly string[]): { files: string[]; dirs: string[]; rest: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const m = /^--(config-file|config-dir)(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const v = m[2] ?? argv[++i];
    if (v === undefined) throw new ConfigError(`--${m[1]} needs a value`);
    (m[1] === 'config-file' ? files : dirs).push(v);
  }
  return { files, dirs, rest };
}

export type { GroupName, NovaConfig };
