import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, formatIssues, nearestName } from '@fets/pipeline';
import { deepMerge, isPlainObject, readConfigFile } from './configFile.js';
import { findPathMiss, schemaPaths } from './schemaPath.js';

/** One `--set key.path=value` override. */
export interface SetOverride {
  /** The key path, split at dots. */
  readonly path: readonly string[];
  /** The value, read as YAML (`3` → 3, `true` → true, `[a, b]` → list, `1e-3` → 0.001, else the text). */
  readonly value: unknown;
  /** The argument as given, for messages. */
  readonly text: string;
}

/**
 * Parses a `--set` argument `key.path=value`: the path splits at dots (`model.hidden`, `layers.0.units`), the value is
 * read as YAML so numbers, booleans, null and flow lists/maps come typed; an empty value is the empty string. Throws a
 * `ConfigError` naming the argument when there is no `=`, the path is empty or has an empty segment, or the value is
 * not valid YAML.
 *
 * @example
 * parseSetOverride('model.hidden=32'); // { path: ['model', 'hidden'], value: 32, text: 'model.hidden=32' }
 */
export function parseSetOverride(arg: string): SetOverride {
  const eq = arg.indexOf('=');
  if (eq < 0) throw new ConfigError('--set', [], `--set "${arg}": expected key.path=value (e.g. --set batchSize=16)`);
  const key = arg.slice(0, eq).trim();
  const raw = arg.slice(eq + 1);
  const path = key.split('.');
  if (key === '' || path.some((p) => p === '')) {
    throw new ConfigError('--set', [], `--set "${arg}": expected a key path of names separated by dots before "=", received "${key}"`);
  }
  if (raw.trim() === '') return { path, value: '', text: arg };
  const doc = parseDocument(raw);
  if (doc.errors.length > 0) {
    throw new ConfigError('--set', [], `--set "${arg}": the value is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  return { path, value: doc.toJS(), text: arg };
}

/** Sets `value` at `path` in `target` (in place), creating plain objects on the way (a non-object there is replaced). */
export function setAtPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = target;
  for (const k of path.slice(0, -1)) {
    if (!isPlainObject(o[k])) o[k] = {};
    o = o[k] as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

/** Throws a `ConfigError` when a `--set` path is not a parameter of `schema`, naming it and the nearest valid path. */
export function checkSetPath(owner: string, schema: z.ZodType, set: SetOverride): void {
  const miss = findPathMiss(schema, set.path);
  if (!miss) return;
  const full = set.path.join('.');
  const bad = set.path.slice(0, miss.index + 1).join('.');
  let msg: string;
  if (miss.leafType !== undefined) {
    const parent = set.path.slice(0, miss.index).join('.');
    const article = /^[aeiou]/.test(miss.leafType) ? 'an' : 'a';
    msg = `${owner}: --set ${set.text}: "${full}" is not a parameter: "${parent}" is ${article} ${miss.leafType}, it has no key "${set.path[miss.index]}"`;
    msg += ` (set it whole: --set ${parent}=…)`;
  } else {
    const nearest = miss.nearest ?? nearestName(full, schemaPaths(schema));
    msg = `${owner}: --set ${set.text}: "${full}" is not a parameter${bad !== full ? ` (no "${bad}")` : ''}`;
    msg += nearest ? `; did you mean "${nearest}"?` : '';
    msg += ` (valid${miss.index > 0 ? ` under "${set.path.slice(0, miss.index).join('.')}"` : ''}: ${miss.valid.join(', ')})`;
  }
  throw new ConfigError(owner, [], msg);
}

/** The origin of an issue's path: the longest prefix some file or `--set` wrote. */
function originOf(origins: ReadonlyMap<string, string>, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const o = origins.get(path.slice(0, n).map(String).join('.'));
    if (o !== undefined) return o;
  }
  return undefined;
}

/**
 * Validates merged parameters with `schema` through `parseOptions`' message format (owner, key, expected, received,
 * "did you mean" for unknown keys) and adds where each bad value came from: `(from configs/x.yaml:4)` or
 * `(from --set lr=-1)`.
 */
export function validateParams<S extends z.ZodType>(
  owner: string,
  schema: S,
  raw: unknown,
  origins: ReadonlyMap<string, string>,
): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    const parts =
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((k) => ({ issue: { ...issue, keys: [k] }, path: [...issue.path, k] }))
        : [{ issue, path: issue.path }];
    for (const p of parts) {
      const origin = originOf(origins, p.path);
      lines.push(`${formatIssues(owner, schema, raw, [p.issue])}${origin ? ` (from ${origin})` : ''}`);
    }
  }
  throw new ConfigError(owner, r.error.issues, lines.join('\n'));
}

/** Where the parameters of a run come from. */
export interface ParamSources {
  /** YAML/JSON files, merged in order. */
  readonly configs?: readonly string[];
  /** `key.path=value` overrides, applied after the files, in order. */
  readonly sets?: readonly string[];
}

/** Parameters after merging and validation, with where each came from. */
export interface ResolvedParams<T> {
  /** The validated (defaulted) parameters. */
  readonly params: T;
  /** The merged input before validation. */
  readonly raw: Record<string, unknown>;
  /** Dotted key path → `file:line` or `--set …`. */
  readonly origins: ReadonlyMap<string, string>;
}

/**
 * Builds a run's parameters: the files deep-merged in order, then each `--set` (its path must exist in the schema,
 * else a `ConfigError` names it and the nearest valid path), then validation by the schema (unknown keys rejected
 * with "did you mean", wrong types and out-of-range values named with their file:line or `--set`).
 *
 * @example
 * const { params } = resolveParams('ner-bert', nerConfigSchema, { configs: ['configs/tiny.yaml'], sets: ['epochs=1'] });
 */
export function resolveParams<S extends z.ZodType>(owner: string, schema: S, sources: ParamSources = {}): ResolvedParams<z.output<S>> {
  const files = (sources.configs ?? []).map((f) => readConfigFile(f));
  const raw = deepMerge(...files.map((f) => f.values));
  const origins = new Map<string, string>();
  for (const f of files) for (const [k, v] of f.origins) origins.set(k, v);
  for (const arg of sources.sets ?? []) {
    const set = parseSetOverride(arg);
    checkSetPath(owner, schema, set);
    setAtPath(raw, set.path, set.value);
    for (const k of [...origins.keys()]) if (k === set.path.join('.') || k.startsWith(`${set.path.join('.')}.`)) origins.delete(k);
    origins.set(set.path.join('.'), `--set ${set.text}`);
  }
  return { params: validateParams(owner, schema, raw, origins), raw, origins };
}
