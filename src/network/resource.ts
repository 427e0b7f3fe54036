/**
 * Neutron's attribute maps (neutron_lib.api.definitions) as data, and what
 * the API layer does with them for every resource
 * (neutron.api.v2.base.Controller.prepare_request_body and _view): reject
 * unknown attributes, fill POST defaults, refuse read-only ones on PUT,
 * convert and validate, check the attributes only some callers may set,
 * and show only what the caller may see.
 */
import type { RequestContext } from '../context.ts';
import { type Converter, pyStr, stringList, type Validator, string as validString } from './attributes.ts';
import { badRequest, type NeutronError, policyDenied } from './errors.ts';

/** "Left to the plugin" (neutron-lib's ATTR_NOT_SPECIFIED): optional, with no API default. */
export const NOT_SET: unique symbol = Symbol('ATTR_NOT_SPECIFIED');

/** Who may set (and, with `adminView`, see) an attribute beyond the resource's own policy. */
export type AttrPolicy = 'admin' | 'owner';

/** One attribute of a resource, as neutron-lib declares it. */
export interface Attr {
  /** May be given on POST / on PUT. */
  readonly post?: boolean;
  readonly put?: boolean;
  /** The POST default; without one a POST attribute is required. NOT_SET: optional, the plugin decides. */
  readonly default?: unknown;
  readonly convert?: Converter;
  readonly validate?: Validator;
  /** Shown in answers (default true). */
  readonly visible?: boolean;
  /** May be a sort_key. */
  readonly sort?: boolean;
  /** Setting it explicitly needs admin ('admin') or admin or the network's owner ('owner'). */
  readonly setBy?: AttrPolicy;
  /** Only admins see it (provider:*, binding:*). */
  readonly adminView?: boolean;
}

/** A resource type: its names and attribute map. */
export interface ResourceDef {
  /** 'network', 'security_group'… */
  readonly resource: string;
  /** 'networks', 'security_groups'… (the JSON key of lists). */
  readonly collection: string;
  readonly attrs: Readonly<Record<string, Attr>>;
  /** Query filters that are not plain attribute matches (e.g. ports' fixed_ips=ip_address=…). */
  readonly filters?: Readonly<Record<string, (item: Readonly<Record<string, unknown>>, values: readonly string[]) => boolean>>;
}

/** The standard attributes every Neutron resource has (id, project, description, tags, timestamps, revision). */
export function standardAttrs(opts: { name?: boolean; description?: boolean } = {}): Record<string, Attr> {
  const out: Record<string, Attr> = {
    id: { sort: true },
    tenant_id: { post: true, validate: validString(255), sort: true },
    project_id: { post: true, validate: validString(255), sort: true },
    tags: { validate: stringList },
    created_at: { sort: true },
    updated_at: { sort: true },
    revision_number: { sort: true },
  };
  if (opts.name !== false) out.name = { post: true, put: true, default: '', validate: validString(255), sort: true };
  if (opts.description !== false) out.description = { post: true, put: true, default: '', validate: validString(255), sort: true };
  return out;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The resource's fields from a request body (`{"network": {…}}`), or 400 as Neutron words it. */
export function resourceBody(def: ResourceDef, body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || (isObj(body) && Object.keys(body).length === 0)) throw badRequest('Resource body required');
  if (!isObj(body)) throw badRequest('Body contains invalid data');
  const res = body[def.resource];
  if (res === undefined || res === null) throw badRequest(`Unable to find '${def.resource}' in request body`);
  if (!isObj(res)) throw badRequest(`Object '${def.resource}' contains invalid data`);
  return { ...res };
}

/** The items of a bulk create (`{"networks": [{…}, …]}`), or null when the body is a single resource. */
export function bulkBodies(def: ResourceDef, body: unknown): Record<string, unknown>[] | null {
  if (!isObj(body) || !(def.collection in body)) return null;
  const items = body[def.collection];
  if (!Array.isArray(items) || items.length === 0) throw badRequest('Resources required');
  return items.map((item) => resourceBody(def, isObj(item) && def.resource in item ? item : { [def.resource]: item }));
}

/** attributes.populate_project_id: project_id and tenant_id agree, and only an admin names another project. */
function populateProject(res: Record<string, unknown>, ctx: RequestContext, isCreate: boolean): void {
  const given = res.project_id ?? res.tenant_id;
  if (res.project_id !== undefined && res.tenant_id !== undefined && res.project_id !== res.tenant_id)
    throw badRequest("Both 'tenant_id' and 'project_id' passed as filters or in request, but with different values.");
  if (given !== undefined && given !== ctx.project_id && !ctx.is_admin)
    throw badRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
  if (isCreate) {
    const project = given ?? ctx.project_id ?? '';
    res.project_id = project;
    res.tenant_id = project;
  }
}

/** What a POST or PUT body becomes: the converted values, and which attributes the caller set explicitly. */
export interface Prepared {
  readonly values: Record<string, unknown>;
  readonly explicit: ReadonlySet<string>;
}

/**
 * Controller.prepare_request_body for one resource. POST: every allowed
 * attribute gets its default (NOT_SET ones stay absent); PUT: only what was
 * given. Values are converted and validated.
 */
export function prepare(def: ResourceDef, res: Record<string, unknown>, ctx: RequestContext, isCreate: boolean): Prepared {
  const explicit = new Set(Object.keys(res));
  populateProject(res, ctx, isCreate);
  const unknown = Object.keys(res).filter((k) => !(k in def.attrs));
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  for (const [name, a] of Object.entries(def.attrs)) {
    if (isCreate) {
      if (a.post) {
        if (!(name in res)) {
          if (a.default === undefined) throw badRequest(`Failed to parse request. Required attribute '${name}' not specified`);
          if (a.default !== NOT_SET) res[name] = structuredClone(a.default);
        }
      } else if (name in res && name !== 'tenant_id' && name !== 'project_id') {
        throw badRequest(`Attribute '${name}' not allowed in POST`);
      }
    } else if (name in res && !a.put) {
      throw badRequest(`Cannot update read-only attribute ${name}`);
    }
  }
  for (const [name, a] of Object.entries(def.attrs)) {
    if (!(name in res)) continue;
    if (a.convert) res[name] = a.convert(res[name]);
    const reason = a.validate?.(res[name]);
    if (reason) throw badRequest(`Invalid input for ${name}. Reason: ${reason}.`);
  }
  if (isCreate)
    for (const [name, a] of Object.entries(def.attrs))
      if (explicit.has(name) && a.default !== undefined && a.default !== NOT_SET && sameValue(res[name], a.default)) explicit.delete(name);
  return { values: res, explicit };
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Enforce `<action>` with its attribute sub-rules, as neutron.policy does:
 * each explicitly set attribute with a `setBy` adds `rule:<action>:<attr>`;
 * `may(policy)` says whether the caller satisfies one. 403 PolicyNotAuthorized
 * naming the combined rule, as oslo.policy words it.
 */
export function enforceAttrs(def: ResourceDef, action: string, explicit: Iterable<string>, may: (p: AttrPolicy) => boolean): void {
  const rules = [...explicit].filter((a) => def.attrs[a]?.setBy).map((a) => ({ a, p: def.attrs[a]?.setBy as AttrPolicy }));
  if (rules.every((r) => may(r.p))) return;
  throw denied(
    action,
    rules.map((r) => r.a),
  );
}

/** 403 for `<action>` (and its attribute rules). */
export function denied(action: string, attrs: readonly string[] = []): NeutronError {
  if (!attrs.length) return policyDenied(`rule:${action}`);
  return policyDenied(`(${[`rule:${action}`, ...attrs.map((a) => `rule:${action}:${a}`)].join(' and ')})`);
}

/** A resource as the caller may see it: the visible attributes of the map, admin-only ones for admins, `fields` if asked. */
export function view(def: ResourceDef, item: Readonly<Record<string, unknown>>, ctx: RequestContext, fields: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, a] of Object.entries(def.attrs)) {
    if (a.visible === false || (a.adminView && !ctx.is_admin)) continue;
    if (fields.length && !fields.includes(name)) continue;
    if (name in item) out[name] = item[name];
  }
  return out;
}

/** The `%s` of a list of names in Python (for messages quoting them). */
export const pyList = (xs: readonly unknown[]): string => `[${xs.map((x) => `'${pyStr(x)}'`).join(', ')}]`;
