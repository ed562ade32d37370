import type { z } from 'zod';

/**
 * Base class of every error fets throws on purpose: a typed error carrying the data that explains it.
 *
 * @example
 * try { pipeline.getResults({ mode: 'train' }); } catch (e) { if (e instanceof FetsError) console.error(e.message); }
 */
export class FetsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An options object failed validation. Carries the zod issues; the message names the owner (op, trace, data set),
 * each offending key, what was expected and what came.
 *
 * @example
 * new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 0 }); // ConfigError: PadSequence: maxLen: expected >= 1, received 0
 */
export class ConfigError extends FetsError {
  constructor(
    readonly owner: string,
    readonly issues: readonly z.core.$ZodIssue[],
    message: string,
  ) {
    super(message);
  }
}

/**
 * A key is read that nothing produces, or another graph-level inconsistency (checked before data flows).
 *
 * @example
 * // PipelineError: op BertTokenize reads key "tags" in mode "eval", but no data set or earlier op provides it
 */
export class PipelineError extends FetsError {
  constructor(
    message: string,
    readonly details: { op?: string; key?: string; mode?: string; dsId?: string; available?: string[] } = {},
  ) {
    super(message);
  }
}

/**
 * A data file is malformed. The message starts with `file:line:` and quotes the line.
 *
 * @example
 * // ConllFormatError: engtrain.bio:1042: expected 2 tab-separated columns, got 3: "B-ACTOR\tbruce\twillis"
 */
export class DataFormatError extends FetsError {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

/** A value passed through an op at run time is not what the op expects (wrong type, shape, length). */
export class OpError extends FetsError {
  constructor(
    readonly op: string,
    readonly key: string | undefined,
    message: string,
  ) {
    super(`${op}${key === undefined ? '' : ` (key "${key}")`}: ${message}`);
  }
}

/** Short, single-line rendering of any value for error messages: `received ...`. */
export function describeValue(value: unknown, maxLen = 60): string {
  let s: string;
  if (value === undefined) s = 'undefined';
  else if (typeof value === 'string') s = JSON.stringify(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) s = String(value);
  else if (ArrayBuffer.isView(value)) s = `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  else if (Array.isArray(value)) s = `array(${value.length}) ${safeJson(value)}`;
  else if (typeof value === 'function') s = `function ${value.name || '(anonymous)'}`;
  else s = `${(value as object).constructor?.name ?? 'object'} ${safeJson(value)}`;
  return s.length > maxLen ? `${s.slice(0, maxLen - 1)}…` : s;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
