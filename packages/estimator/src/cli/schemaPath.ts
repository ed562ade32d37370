import type { z } from 'zod';
import { nearestName } from '@fets/pipeline';

/** What a zod schema allows below one node, as far as key paths go. */
type Node =
  | { kind: 'object'; shape: Record<string, z.ZodType>; open: boolean }
  | { kind: 'record'; element: z.ZodType }
  | { kind: 'array'; element: z.ZodType }
  | { kind: 'any' }
  | { kind: 'leaf'; type: string };

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  valueType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  getter?: () => z.ZodType;
}

const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Wrappers that do not change which keys a value may hold. */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'catch', 'readonly']);

/** The alternatives a schema node stands for once wrappers are peeled (unions give several). */
function alternatives(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 32) return [schema];
  const d = defOf(schema);
  if (WRAPPERS.has(d.type) && d.innerType) return alternatives(d.innerType, depth + 1);
  if (d.type === 'pipe' && d.in) return alternatives(d.in, depth + 1);
  if (d.type === 'lazy' && d.getter) return alternatives(d.getter(), depth + 1);
  if (d.type === 'union' && d.options) return d.options.flatMap((o) => alternatives(o, depth + 1));
  return [schema];
}

function nodeOf(schema: z.ZodType): Node {
  const d = defOf(schema);
  if (d.type === 'object' && d.shape) {
    const open = d.catchall !== undefined && defOf(d.catchall).type !== 'never';
    return { kind: 'object', shape: d.shape, open };
  }
  if (d.type === 'record' && d.valueType) return { kind: 'record', element: d.valueType };
  if (d.type === 'array' && d.element) return { kind: 'array', element: d.element };
  if (d.type === 'any' || d.type === 'unknown') return { kind: 'any' };
  return { kind: 'leaf', type: d.type };
}

/** Why a key path is not in a schema: the segment that fails, the keys valid there, the nearest one. */
export interface PathMiss {
  /** Index in the path of the first segment the schema does not have. */
  readonly index: number;
  /** The valid keys at that level (empty when the level holds a plain value, not an object). */
  readonly valid: readonly string[];
  /** The valid path closest to what was asked (`a.b.c` with the failing segment replaced), if any is close. */
  readonly nearest: string | undefined;
  /** What the schema holds at the level above the failing segment when it is not an object (e.g. `number`). */
  readonly leafType: string | undefined;
}

/**
 * Checks that a dotted key path (`model.hidden`, `layers.0.units`) names a place the schema can hold: each segment must
 * be a key of a (strict or plain) object schema, any key of a record or loose object, or an index of an array. Returns
 * undefined when it does, else where and why it does not, with the nearest valid path. Wrappers (optional, default,
 * nullable, pipe, lazy) are looked through; a union accepts the path when any of its members does.
 *
 * @example
 * findPathMiss(z.strictObject({ lr: z.number() }), ['lrr']); // { index: 0, valid: ['lr'], nearest: 'lr', … }
 */
export function findPathMiss(schema: z.ZodType, path: readonly string[]): PathMiss | undefined {
  const walk = (s: z.ZodType, i: number): PathMiss | undefined => {
    if (i >= path.length) return undefined;
    const seg = path[i]!;
    let best: PathMiss | undefined;
    for (const alt of alternatives(s)) {
      const n = nodeOf(alt);
      let miss: PathMiss | undefined;
      if (n.kind === 'any') return undefined;
      if (n.kind === 'object') {
        const child = Object.hasOwn(n.shape, seg) ? n.shape[seg] : undefined;
        if (child) miss = walk(child, i + 1);
        else if (n.open) return undefined;
        else {
          const valid = Object.keys(n.shape);
          const near = nearestName(seg, valid);
          let nearest: string | undefined;
          if (near !== undefined) {
            // Suggest the whole corrected path when the rest of it exists under the suggested key.
            const fixed = [...path.slice(0, i), near, ...path.slice(i + 1)];
            nearest = (findPathMiss(schema, fixed) === undefined ? fixed : fixed.slice(0, i + 1)).join('.');
          }
          miss = { index: i, valid, nearest, leafType: undefined };
        }
      } else if (n.kind === 'record') {
        miss = walk(n.element, i + 1);
      } else if (n.kind === 'array') {
        miss = /^\d+$/.test(seg) ? walk(n.element, i + 1) : { index: i, valid: [], nearest: undefined, leafType: 'array' };
      } else {
        miss = { index: i, valid: [], nearest: undefined, leafType: n.type };
      }
      if (!miss) return undefined;
      if (!best || miss.index > best.index) best = miss;
    }
    return best;
  };
  return walk(schema, 0);
}

/** Every leaf key path a schema declares (objects descended, records/arrays/any stop), for listings. */
export function schemaPaths(schema: z.ZodType, prefix: readonly string[] = [], depth = 0): string[] {
  if (depth > 16) return [];
  const out: string[] = [];
  for (const alt of alternatives(schema)) {
    const n = nodeOf(alt);
    if (n.kind !== 'object') continue;
    for (const [k, child] of Object.entries(n.shape)) {
      const below = schemaPaths(child, [...prefix, k], depth + 1);
      if (below.length > 0) out.push(...below);
      else out.push([...prefix, k].join('.'));
    }
  }
  return [...new Set(out)];
}
