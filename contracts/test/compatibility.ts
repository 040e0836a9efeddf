// The compatibility rule of the published language: a (type, version) once published never changes. Its JSON Schema
// is frozen in contracts/schemas; the current schema must equal the frozen one. A change goes into a new version with
// its own frozen file, which is allowed. This module says which of the two a definition is, and for a breaking change
// what changed, in terms a producer can act on (a removed field, a field that became required, a narrowed type).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { eventKey } from '../src/registry.ts';

export interface VersionedSchema {
  readonly type: string;
  readonly version: number;
  readonly schema: z.ZodType;
}

export type Verdict =
  | { kind: 'unchanged' }
  /** Not frozen yet: a new version. `frozen` says whether this run froze it. */
  | { kind: 'new'; frozen: boolean }
  | { kind: 'breaking'; changes: string[] };

const fileOf = (dir: string, d: VersionedSchema) => join(dir, `${eventKey(d.type, d.version)}.json`);

/** Compares a definition with its frozen schema; with `freeze`, a version without a frozen file gets one. */
export function checkFrozen(def: VersionedSchema, dir: string, options: { freeze?: boolean } = {}): Verdict {
  const file = fileOf(dir, def);
  const current = z.toJSONSchema(def.schema);
  if (!existsSync(file)) {
    if (options.freeze) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(current, null, 2)}\n`);
    }
    return { kind: 'new', frozen: options.freeze === true };
  }
  const changes = schemaChanges(JSON.parse(readFileSync(file, 'utf8')), current);
  return changes.length === 0 ? { kind: 'unchanged' } : { kind: 'breaking', changes };
}

/** Frozen files without a definition: a published version that was removed, which breaks its consumers too. */
export function removedVersions(defs: readonly VersionedSchema[], dir: string): string[] {
  const known = new Set(defs.map((d) => `${eventKey(d.type, d.version)}.json`));
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json') && !known.has(f)) : [];
}

/** The message a breaking change fails with: the event, then each change. */
export const describeBreaking = (def: VersionedSchema, changes: string[]) =>
  `${def.type} v${def.version} changed in place (publish a new version beside it instead): ${changes.join('; ')}`;

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json) => JSON.stringify(v);

/**
 * What differs between a frozen and a current JSON Schema, by the path of the field (`data.request.target`) rather
 * than of the schema keyword, so the message names fields. Every difference counts: the rule is "never in place",
 * not "only compatible changes in place", because consumers validate against the exact published schema.
 */
export function schemaChanges(frozen: Json, current: Json, field = '(root)'): string[] {
  if (!isObject(frozen) || !isObject(current)) {
    return show(frozen) === show(current) ? [] : [`${field} changed from ${show(frozen)} to ${show(current)}`];
  }
  const out: string[] = [];
  const at = (name: string) => (field === '(root)' ? name : `${field}.${name}`);
  const fp = isObject(frozen.properties) ? frozen.properties : {};
  const cp = isObject(current.properties) ? current.properties : {};
  const fr = new Set(Array.isArray(frozen.required) ? (frozen.required as string[]) : []);
  const cr = new Set(Array.isArray(current.required) ? (current.required as string[]) : []);
  for (const name of Object.keys(fp)) {
    if (!(name in cp)) out.push(`${at(name)} was removed`);
    else out.push(...schemaChanges(fp[name], cp[name], at(name)));
  }
  for (const name of Object.keys(cp)) {
    if (!(name in fp)) out.push(`${at(name)} was added${cr.has(name) ? ' as required' : ''}`);
  }
  for (const name of cr) if (!fr.has(name) && name in fp) out.push(`${at(name)} became required`);
  for (const name of fr) if (!cr.has(name) && name in cp) out.push(`${at(name)} became optional`);
  for (const key of new Set([...Object.keys(frozen), ...Object.keys(current)])) {
    if (key === 'properties' || key === 'required') continue;
    const f = frozen[key];
    const c = current[key];
    if (key === 'enum' && Array.isArray(f) && Array.isArray(c)) {
      for (const v of f) if (!c.includes(v)) out.push(`${field} no longer allows ${show(v)}`);
      for (const v of c) if (!f.includes(v)) out.push(`${field} now allows ${show(v)}`);
    } else if (key === 'items' || key === 'additionalProperties') {
      out.push(...schemaChanges(f, c, key === 'items' ? `${field}[]` : `${field} (other keys)`));
    } else if (isObject(f) && isObject(c)) {
      out.push(...schemaChanges(f, c, field));
    } else if (show(f) !== show(c)) {
      out.push(
        `${field}: ${key} changed from ${f === undefined ? 'none' : show(f)} to ${c === undefined ? 'none' : show(c)}`,
      );
    }
  }
  return out;
}
