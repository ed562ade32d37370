import { z } from 'zod';
import { parseDsIds, parseModes, type DsIdSelector, type DsIdSpec, type Mode, type ModeSpec } from './mode.js';
import { dsIdSpecSchema, keysSchema, modeSpecSchema, parseOptions, toKeyList } from './options.js';

/** One sample (before Batch) or one batch (after): a flat record whose keys are named by ops. */
export type DataDict = Record<string, unknown>;

/** Options every op takes: the keys it reads and writes, and where it runs. */
export const opOptionsSchema = z.object({
  inputs: keysSchema.optional(),
  outputs: keysSchema.optional(),
  mode: modeSpecSchema.optional(),
  dsId: dsIdSpecSchema.optional(),
});

/** Options every op takes (see {@link opOptionsSchema}). */
export interface OpOptions {
  /** Key(s) read from the data dictionary. */
  inputs?: string | readonly string[];
  /** Key(s) written to the data dictionary. */
  outputs?: string | readonly string[];
  /** Modes the op runs in: `'train'`, `'!infer'`, a list; default every mode. */
  mode?: ModeSpec;
  /** Data sets the op runs for: `'a'`, `'!a'`, a list; default every data set. */
  dsId?: DsIdSpec;
}

/**
 * Base of every op in every package (NumpyOp, TensorOp, Trace-like selectors): named inputs and outputs, and the
 * mode/dsId selection rule shared through {@link getCurrentItems}.
 *
 * @example
 * class Double extends NumpyOp { forward(x: number) { return 2 * x; } }
 * new Double({ inputs: 'x', outputs: 'x2', mode: '!infer' });
 */
export abstract class Op {
  /** Keys read, in order. */
  readonly inputs: readonly string[];
  /** Keys written, in order. */
  readonly outputs: readonly string[];
  /** Modes the op runs in (`null`: all). */
  readonly modes: ReadonlySet<Mode> | null;
  /** Data sets the op runs for (`null`: all). */
  readonly dsIds: DsIdSelector;
  /** Mode spec as given (for printing). */
  readonly modeSpec: ModeSpec;

  constructor(options: OpOptions = {}) {
    const name = new.target.name;
    const o = parseOptions(name, opOptionsSchema, options);
    this.inputs = toKeyList(o.inputs);
    this.outputs = toKeyList(o.outputs);
    this.modeSpec = o.mode ?? null;
    this.modes = parseModes(o.mode, name);
    this.dsIds = parseDsIds(o.dsId, name);
  }

  /** The op's class name, used in messages and tables. */
  get name(): string {
    return this.constructor.name;
  }
}
