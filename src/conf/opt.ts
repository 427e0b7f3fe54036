/**
 * Option declarations, in the manner of oslo.config: every option is declared
 * once with its type, default and help text; the loader and `nova-manage config`
 * read these declarations and nothing else.
 */

export type OptKind = 'str' | 'int' | 'float' | 'bool' | 'list' | 'port';

export interface Opt<T> {
  readonly kind: OptKind;
  readonly default: T;
  readonly help: string;
  /** Allowed values (str and list items). */
  readonly choices?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Masked in `nova-manage config show` and in logs. */
  readonly secret?: boolean;
  /** Turn the raw INI text into a value; throws a plain Error describing the problem. */
  parse(raw: string): T;
}

export type OptValue<O> = O extends Opt<infer T> ? T : never;

interface CommonSpec {
  help: string;
  secret?: boolean;
}

function checkChoices(value: string, choices: readonly string[] | undefined): string {
  if (choices && !choices.includes(value)) {
    throw new Error(`'${value}' is not one of: ${choices.join(', ')}`);
  }
  return value;
}

export function strOpt(spec: CommonSpec & { default: string; choices?: readonly string[] }): Opt<string> {
  return { kind: 'str', ...spec, parse: (raw) => checkChoices(raw, spec.choices) };
}

/** A string option whose unset state (`null`) means "not configured". */
export function optionalStrOpt(spec: CommonSpec & { choices?: readonly string[] }): Opt<string | null> {
  return {
    kind: 'str',
    default: null,
    ...spec,
    parse: (raw) => (raw === '' ? null : checkChoices(raw, spec.choices)),
  };
}

function checkRange(n: number, min: number | undefined, max: number | undefined): number {
  if (min !== undefined && n < min) throw new Error(`${n} is less than the minimum ${min}`);
  if (max !== undefined && n > max) throw new Error(`${n} is greater than the maximum ${max}`);
  return n;
}

export function intOpt(spec: CommonSpec & { default: number; min?: number; max?: number }): Opt<number> {
  return {
    kind: 'int',
    ...spec,
    parse(raw) {
      const s = raw.trim();
      if (!/^[-+]?\d+$/.test(s)) throw new Error(`'${raw}' is not an integer`);
      return checkRange(Number.parseInt(s, 10), spec.min, spec.max);
    },
  };
}

export function portOpt(spec: CommonSpec & { default: number }): Opt<number> {
  const base = intOpt({ ...spec, min: 0, max: 65535 });
  return { ...base, kind: 'port' };
}

export function floatOpt(spec: CommonSpec & { default: number; min?: number; max?: number }): Opt<number> {
  return {
    kind: 'float',
    ...spec,
    parse(raw) {
      const s = raw.trim();
      const n = Number(s);
      if (s === '' || !Number.isFinite(n)) throw new Error(`'${raw}' is not a number`);
      return checkRange(n, spec.min, spec.max);
    },
  };
}

const TRUE = new Set(['true', '1', 'on', 'yes', 't', 'y']);
const FALSE = new Set(['false', '0', 'off', 'no', 'f', 'n']);

export function parseBool(raw: string): boolean {
  const s = raw.trim().toLowerCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  throw new Error(`'${raw}' is not a boolean (use true or false)`);
}

export function boolOpt(spec: CommonSpec & { default: boolean }): Opt<boolean> {
  return { kind: 'bool', ...spec, parse: parseBool };
}

/** A comma separated list, as oslo.config's ListOpt. */
export function listOpt(spec: CommonSpec & { default: readonly string[]; choices?: readonly string[] }): Opt<readonly string[]> {
  return {
    kind: 'list',
    ...spec,
    parse(raw) {
      const items = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const item of items) checkChoices(item, spec.choices);
      return items;
    },
  };
}

/** A group of options: one `[section]` of nova.conf. */
export interface OptGroup<O extends Record<string, Opt<unknown>>> {
  readonly name: string;
  readonly help: string;
  readonly opts: O;
}

export function defineGroup<O extends Record<string, Opt<unknown>>>(name: string, help: string, opts: O): OptGroup<O> {
  return { name, help, opts };
}

export type GroupValues<G> = G extends OptGroup<infer O> ? { readonly [K in keyof O]: OptValue<O[K]> } : never;
