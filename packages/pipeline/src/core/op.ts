import { z } from 'zod';
import { parseDsIds, parseModes, type DsIdSelector, type Mode, type ModeSpec } from './mode.js';
import { dsIdSpecSchema, keysSchema, modeSpecSchema, parseOptions, toKeyList } from './options.js';
import type { KeyOptions } from './keyGraph.js';

/** One sample (before Batch) or one batch (after): a flat record whose keys are named by ops. */
export type DataDict = Record<string, unknown>;

/**
 * Options every op takes: the keys it reads and writes, and where it runs. An op with options of its own declares
 * them once, as this schema extended (`opOptionsSchema.extend({ … })`), with TSDoc on each key; its options type is
 * `z.input` of that schema.
 */
export const opOptionsSchema = z.strictObject({
  /** Key(s) read from the data dictionary. */
  inputs: keysSchema.optional(),
  /** Key(s) written to the data dictionary. */
  outputs: keysSchema.optional(),
  /** Modes the op runs in: `'train'`, `'!infer'`, a list; default every mode. */
  mode: modeSpecSchema.optional(),
  /** Data sets the op runs for: `'a'`, `'!a'`, a list; default every data set. */
  dsId: dsIdSpecSchema.optional(),
});

/** Options every op takes (see {@link opOptionsSchema}). */
export type OpOptions = z.input<typeof opOptionsSchema>;

/**
 * The schema of an op's options: {@link opOptionsSchema}, or it extended with the op's own keys (its output must
 * carry `inputs`, `outputs`, `mode` and `dsId`; the base reads them after parsing).
 */
export type OpSchema = z.ZodType;

/** What an op's constructor takes: its schema's input, or {@link OpOptions} for an op without a schema. */
export type OpOptionsIn<S extends OpSchema> = unknown extends z.input<S> ? OpOptions : z.input<S>;
/** What `op.options` holds: its schema's output, or the parsed {@link OpOptions} for an op without a schema. */
export type OpOptionsOut<S extends OpSchema> = unknown extends z.output<S> ? z.output<typeof opOptionsSchema> : z.output<S>;

/**
 * Base of every op in every package (NumpyOp, TensorOp, Trace-like selectors): named inputs and outputs, and the
 * mode/dsId selection rule shared through {@link getCurrentItems}. Options are validated once, here, against the
 * op's schema (unknown keys rejected, errors naming the op's class), and kept parsed (defaults filled) in `options`.
 *
 * @example
 * class Double extends NumpyOp { forward(x: number) { return 2 * x; } }
 * new Double({ inputs: 'x', outputs: 'x2', mode: '!infer' });
 *
 * // An op with validated options of its own:
 * const scaleOptions = opOptionsSchema.extend({ /** Multiplier. *\/ factor: z.number().positive() });
 * class Scale extends NumpyOp<typeof scaleOptions> {
 *   constructor(options: z.input<typeof scaleOptions>) { super(options, scaleOptions); }
 *   forward(x: number) { return x * this.options.factor; }
 * }
 */
export abstract class Op<S extends OpSchema = OpSchema, O = OpOptionsIn<S>> {
  /** Compile time only: the options as written (literal keys when the class captures them with `const O`). */
  declare readonly '~opts': KeyOptions<O>;
  /** Compile time only: the value types read and written, by position of `inputs` and `outputs`. */
  declare readonly '~io': { readonly in: readonly any[]; readonly out: readonly any[] };
  /** Compile time only: a signature declared by the class itself (meta ops, traces), else derived from `~opts`. */
  declare readonly '~sig': unknown;
  /** The options as parsed by the op's schema (defaults filled in). */
  readonly options: OpOptionsOut<S>;
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

  /**
   * @param options the op's options (validated here)
   * @param schema the op's options schema (default {@link opOptionsSchema}: inputs, outputs, mode, dsId only)
   */
  constructor(options: O = {} as O, schema?: S) {
    const name = new.target.name;
    const o = parseOptions(name, schema ?? opOptionsSchema, options) as OpOptionsOut<S>;
    const base = o as z.output<typeof opOptionsSchema>;
    this.options = o;
    this.inputs = toKeyList(base.inputs);
    this.outputs = toKeyList(base.outputs);
    this.modeSpec = base.mode ?? null;
    this.modes = parseModes(base.mode, name);
    this.dsIds = parseDsIds(base.dsId, name);
  }

  /** The op's class name, used in messages and tables. */
  get name(): string {
    return this.constructor.name;
  }
}
