/**
 * JSON-schema validation with the wording of Python's jsonschema library,
 * which Nova, Keystone, Glance, Neutron and Cinder all validate with. The
 * kernel finds the first error and says it the way jsonschema does; each
 * service puts that reason in its own sentence ("Invalid input for
 * field/attribute name. Value: …. <reason>" in Nova, "Invalid input for
 * field 'project/name': <reason>" in Keystone).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Static, TSchema } from 'typebox';

// verbose: errors carry their schema and data (jsonschema names every unexpected property, and the patterns).
const ajv = new Ajv({ allErrors: false, strict: false, coerceTypes: false, verbose: true });
// ajv-formats is CommonJS: under Node's ESM loader the plugin is the module's default export.
const addFormats = addFormatsModule.default ?? addFormatsModule;
addFormats(ajv, ['ipv4', 'ipv6', 'uuid', 'date-time', 'uri', 'hostname', 'email']);
const compiled = new WeakMap<object, ValidateFunction>();

/**
 * Add a string format a service checks the way its Python validator does
 * (Nova's `base64`, `name`…). Register before the first validation of a
 * schema that uses it: an unknown format is not checked at all.
 */
export function registerFormat(name: string, check: (value: string) => boolean): void {
  ajv.addFormat(name, { type: 'string', validate: check });
}

/** Containers deeper than this are shown as [...] / {...} (Python's repr would give up too). */
const REPR_DEPTH = 32;

/** Python's repr of a str: single quotes unless it holds only single ones; backslashes, the quote and control characters escaped. */
function pyStrRepr(v: string): string {
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  const named: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (const c of v) {
    const code = c.codePointAt(0) ?? 0;
    if (named[c] !== undefined) out += named[c];
    else if (c === quote) out += `\\${c}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += c;
  }
  return `${quote}${out}${quote}`;
}

/** A value as Python's repr shows it (the messages come from Python services). */
export function pyRepr(v: unknown, depth = 0): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return pyStrRepr(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return depth >= REPR_DEPTH ? '[...]' : `[${v.map((x) => pyRepr(x, depth + 1)).join(', ')}]`;
  if (typeof v === 'object') {
    if (depth >= REPR_DEPTH) return '{...}';
    return `{${Object.entries(v)
      .map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x, depth + 1)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** The first validation error, as jsonschema reports it. */
export interface SchemaError {
  /** Path of the offending value from the root (property names and array indexes). */
  readonly path: readonly string[];
  /** The offending value. */
  readonly value: unknown;
  /** jsonschema's message, e.g. "'abc' is not of type 'integer'". */
  readonly reason: string;
  /** The JSON-schema keyword that failed. */
  readonly keyword: string;
  /** The format a `format` failure is about. */
  readonly format?: string;
}

function param(e: ErrorObject, name: string): unknown {
  const params: Record<string, unknown> = e.params;
  return params[name];
}

/** jsonschema's message for one ajv error about `value`. */
function reasonOf(e: ErrorObject, value: unknown): string {
  const v = pyRepr(value);
  switch (e.keyword) {
    case 'required':
      return `'${String(param(e, 'missingProperty'))}' is a required property`;
    case 'additionalProperties':
      return additionalProperties(e);
    case 'minLength':
    case 'minItems':
      return `${v} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${v} is too long`;
    case 'type': {
      const t = param(e, 'type');
      const types = Array.isArray(t) ? t.map(String) : String(t).split(',');
      return `${v} is not of type ${types.map((x) => `'${x}'`).join(', ')}`;
    }
    case 'minimum':
      return `${v} is less than the minimum of ${String(param(e, 'limit'))}`;
    case 'maximum':
      return `${v} is greater than the maximum of ${String(param(e, 'limit'))}`;
    case 'exclusiveMinimum':
      return `${v} is less than or equal to the minimum of ${String(param(e, 'limit'))}`;
    case 'exclusiveMaximum':
      return `${v} is greater than or equal to the maximum of ${String(param(e, 'limit'))}`;
    case 'enum':
      return `${v} is not one of ${pyRepr(param(e, 'allowedValues'))}`;
    case 'const':
      return `${pyRepr(param(e, 'allowedValue'))} was expected`;
    case 'pattern':
      return `${v} does not match '${String(param(e, 'pattern'))}'`;
    case 'format':
      return `${v} is not a '${String(param(e, 'format'))}'`;
    case 'anyOf':
    case 'oneOf':
      return `${v} is not valid under any of the given schemas`;
    case 'uniqueItems':
      return `${v} has non-unique elements`;
    case 'minProperties':
      return `${v} does not have enough properties`;
    case 'maxProperties':
      return `${v} has too many properties`;
    default:
      return `${v} is not valid (${e.message ?? e.keyword})`;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * jsonschema's additionalProperties message: every unexpected property,
 * "Additional properties are not allowed ('a', 'b' were unexpected)", or,
 * when the schema has patternProperties, "'a' does not match any of the
 * regexes: '^x$'" (extras and patterns sorted).
 */
function additionalProperties(e: ErrorObject): string {
  const schema: unknown = e.parentSchema;
  const data: unknown = e.data;
  const first = String(param(e, 'additionalProperty'));
  if (!isRecord(schema) || !isRecord(data)) return `Additional properties are not allowed ('${first}' was unexpected)`;
  const known = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  const patterns = isRecord(schema.patternProperties) ? Object.keys(schema.patternProperties) : [];
  const regexes = patterns.map((p) => new RegExp(p, 'u'));
  const extras = Object.keys(data).filter((k) => !known.includes(k) && !regexes.some((r) => r.test(k)));
  if (extras.length === 0) extras.push(first);
  if (patterns.length) {
    const joined = [...extras]
      .sort()
      .map((x) => pyRepr(x))
      .join(', ');
    return `${joined} ${extras.length === 1 ? 'does' : 'do'} not match any of the regexes: ${[...patterns]
      .sort()
      .map((x) => pyRepr(x))
      .join(', ')}`;
  }
  return `Additional properties are not allowed (${extras.map((x) => pyRepr(x)).join(', ')} ${extras.length === 1 ? 'was' : 'were'} unexpected)`;
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const key of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = Object.entries(v).find(([k]) => k === key)?.[1];
  }
  return v;
}

function validatorOf(schema: TSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (!fn) {
    fn = ajv.compile(schema);
    compiled.set(schema, fn);
  }
  return fn;
}

/** Does `value` match `schema`? (The type guard every service's validate builds on.) */
export function matches<S extends TSchema>(schema: S, value: unknown): value is Static<S> {
  return validatorOf(schema)(value);
}

/**
 * The error jsonschema would raise: the first one, or, when it failed inside
 * a oneOf, that oneOf itself (ajv lists the branches' errors first;
 * jsonschema reports "… is not valid under any of the given schemas"). An
 * anyOf (a TypeBox union, most often a Python type list) keeps its first
 * branch's error.
 */
function reported(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const first = errors[0];
  if (!first) return undefined;
  const outer = errors.filter((e) => e.keyword === 'oneOf' && first.schemaPath.startsWith(`${e.schemaPath}/`));
  return outer.sort((a, b) => a.schemaPath.length - b.schemaPath.length)[0] ?? first;
}

/** The first error of `value` against `schema`, or null when it matches. */
export function schemaError(schema: TSchema, value: unknown): SchemaError | null {
  const fn = validatorOf(schema);
  if (fn(value)) return null;
  const e = reported(fn.errors ?? []);
  if (!e) return { path: [], value, reason: `${pyRepr(value)} is not valid`, keyword: 'unknown' };
  const path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const at = valueAt(value, path);
  const format = e.keyword === 'format' ? String(param(e, 'format')) : undefined;
  return { path, value: at, reason: reasonOf(e, at), keyword: e.keyword, ...(format === undefined ? {} : { format }) };
}
