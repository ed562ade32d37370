import type { z } from 'zod';

/**
 * Base class of every error fets throws on purpose: a typed error carrying the data that explains it.
 *
 * @example
 * try { pipeline.getResults({ mode: 'train' }); } catch (e) { if (e instanceof FetsError) console.error(e.message); }
 */
export class FetsError extends Error {
  /** The sample being processed when the error arose (set by the Pipeline for errors of per-sample ops). */
  sample: SampleLocation | undefined;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  /**
   * Records which sample was being processed and appends it to the message, once:
   * `… [sample 17 of the train data, engtrain.bio:1042]`. Returns the error itself (to rethrow).
   *
   * @example
   * throw err.locate({ mode: 'train', dsId: '', index: 17, source: 'engtrain.bio:1042' });
   */
  locate(where: SampleLocation): this {
    if (this.sample !== undefined) return this;
    this.sample = where;
    const old = this.message;
    const ds = where.dsId ? ` "${where.dsId}"` : '';
    this.message = `${old} [sample ${where.index} of the ${where.mode} data${ds}${where.source ? `, ${where.source}` : ''}]`;
    if (this.stack?.includes(old)) this.stack = this.stack.replace(old, this.message);
    return this;
  }
}

/** Where a sample comes from: its mode, data-set id, index in the data set and, when known, `file:line`. */
export interface SampleLocation {
  mode: string;
  dsId: string;
  index: number;
  source?: string | undefined;
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

/**
 * A data file cannot be read (missing, deleted or moved after the data set was created, unreadable). Names the data
 * set, the file and the system's reason.
 *
 * @example
 * // DataFileError: JSONLDataset: cannot read "train.jsonl": the file no longer exists (deleted or moved after the data set was created)
 */
export class DataFileError extends FetsError {
  constructor(
    readonly owner: string,
    readonly file: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${owner}: cannot read ${JSON.stringify(file)}: ${reason}`, options);
  }

  /** The DataFileError for an `fs` error (`ENOENT` is worded as a file that disappeared). */
  static fromFs(owner: string, file: string, e: unknown): DataFileError {
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      code === 'ENOENT'
        ? 'the file no longer exists (deleted or moved after the data set was created)'
        : `${code ? `${code}: ` : ''}${e instanceof Error ? e.message : String(e)}`;
    return new DataFileError(owner, file, reason, { cause: e });
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

/**
 * An array's data does not fit its shape, or nested lists are ragged. Names the owner and carries what was expected
 * and what came.
 *
 * @example
 * new NDArray(new Float32Array(5), [2, 3], 'float32'); // ShapeError: NDArray: shape [2, 3] holds 6 elements, received 5 values
 */
export class ShapeError extends FetsError {
  constructor(
    readonly owner: string,
    readonly expected: string,
    readonly received: string,
    message: string,
  ) {
    super(`${owner}: ${message}`);
  }
}

/**
 * A sample index outside a data set. Names the data set, the index and how many samples there are.
 *
 * @example
 * ds.get(12); // SampleIndexError: ListDataset: index 12 is out of range for 10 samples
 */
export class SampleIndexError extends FetsError {
  constructor(
    readonly owner: string,
    readonly index: number,
    readonly length: number,
    what = 'samples',
  ) {
    super(`${owner}: index ${index} is out of range for ${what === 'samples' ? `${length} samples` : `a source of ${length} samples`}`);
  }
}
