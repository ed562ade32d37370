import { z } from 'zod';
import { ConfigError, describeValue } from './errors.js';
import { MODES } from './mode.js';

/** One key or a list of keys (`'x'` or `['x', 'y']`). */
export const keysSchema = z.union([z.string().min(1), z.array(z.string().min(1)).readonly()]);
const modeName = z.union([z.enum(MODES), z.enum(MODES.map((m) => `!${m}`) as [`!${(typeof MODES)[number]}`])]);
/** A mode selector: `'train'`, `'!infer'`, `['train', 'eval']`, or null (every mode). */
export const modeSpecSchema = z.union([modeName, z.array(modeName).readonly()]).nullable();
/** A data-set id selector: `'a'`, `'!a'`, `['a', 'b']`, or null (every data set). */
export const dsIdSpecSchema = z.union([z.string().min(1), z.array(z.string().min(1)).readonly()]).nullable();

/** Normalises a key spec to a list. */
export function toKeyList(keys: string | readonly string[] | undefined | null): string[] {
  if (keys === undefined || keys === null) return [];
  return typeof keys === 'string' ? [keys] : [...keys];
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The candidate closest to `name` (edit distance ≤ max(2, len/3)), or undefined. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function getAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function shapeKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (const k of path) {
    const shape = (s as { shape?: Record<string, unknown> }).shape;
    if (!shape) return [];
    s = shape[String(k)];
    while (s && typeof s === 'object' && 'unwrap' in s && typeof (s as { unwrap: unknown }).unwrap === 'function') {
      s = (s as { unwrap(): unknown }).unwrap();
    }
  }
  const shape = (s as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

/** Formats zod issues as `owner: key: expected …, received …` lines (unknown keys get a "did you mean"). */
export function formatIssues(owner: string, schema: z.ZodType, value: unknown, issues: readonly z.core.$ZodIssue[]) {
  const lines = issues.map((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : '(options)';
    if (issue.code === 'unrecognized_keys') {
      const known = shapeKeys(schema, issue.path);
      return issue.keys
        .map((k) => {
          const near = nearestName(k, known);
          return `${owner}: unknown option "${issue.path.length ? `${where}.` : ''}${k}"${near ? `, did you mean "${near}"?` : ''} (valid: ${known.join(', ')})`;
        })
        .join('\n');
    }
    const received = describeValue(getAt(value, issue.path));
    return `${owner}: ${where}: ${issue.message}, received ${received}`;
  });
  return lines.join('\n');
}

/**
 * Validates `value` against `schema` at construction time and returns the parsed (defaulted) value, or throws a
 * `ConfigError` whose message names the owner, each key, what was expected and what came.
 *
 * @example
 * const o = parseOptions('PadSequence', schema, options);
 */
export function parseOptions<S extends z.ZodType>(owner: string, schema: S, value: unknown): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ConfigError(owner, r.error.issues, formatIssues(owner, schema, value, r.error.issues));
}
