import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';

/** Options of {@link PadSequence}. */
export const padSequenceOptions = opOptionsSchema.extend({
  /** Output length (≥ 1). */
  maxLen: z.number().int().min(1),
  /** Fill value (default 0). */
  value: z.union([z.number(), z.string()]).default(0),
  /** Pad at the end (default) or, when false, at the start. */
  append: z.boolean().default(true),
  /** Which end a longer sequence loses: 'tail' (default: keeps the first maxLen) or 'head' (keeps the last). */
  truncate: z.enum(['tail', 'head']).default('tail'),
});

/** Options of {@link PadSequence} (see {@link padSequenceOptions}). */
export type PadSequenceOptions = z.input<typeof padSequenceOptions>;

type Seq = unknown[] | Int32Array | Float32Array | Float64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array;

/**
 * Pads or truncates a sequence to exactly `maxLen` elements. Key in: an array or typed array. Key out: the same kind.
 *
 * @example
 * new PadSequence({ inputs: 'x', outputs: 'x', maxLen: 5 }); // [7, 8, 9] → [7, 8, 9, 0, 0]; [1..8] → [1, 2, 3, 4, 5]
 */
export class PadSequence<const O extends PadSequenceOptions = PadSequenceOptions> extends NumpyOp<typeof padSequenceOptions, O> {
  readonly maxLen: number;
  readonly value: number | string;
  readonly append: boolean;
  readonly truncate: 'tail' | 'head';

  constructor(options: O) {
    super(options, padSequenceOptions);
    const o = this.options;
    this.maxLen = o.maxLen;
    this.value = o.value;
    this.append = o.append;
    this.truncate = o.truncate;
  }

  override forward(data: unknown, _state?: PipelineState): Seq {
    const typed = ArrayBuffer.isView(data) && !(data instanceof DataView);
    if (!Array.isArray(data) && !typed) {
      throw new OpError(this.name, this.inputs[0], `expected an array or typed array, received ${describeValue(data)}`);
    }
    const seq = data as Seq;
    const n = seq.length;
    const L = this.maxLen;
    if (n >= L) {
      const from = this.truncate === 'tail' ? 0 : n - L;
      return seq.slice(from, from + L) as Seq;
    }
    if (typed) {
      if (typeof this.value !== 'number') {
        throw new OpError(this.name, this.inputs[0], `cannot pad a ${seq.constructor.name} with ${describeValue(this.value)}`);
      }
      const out = new (seq.constructor as new (n: number) => Int32Array)(L);
      if (this.value !== 0) out.fill(this.value);
      out.set(seq as Int32Array, this.append ? 0 : L - n);
      return out;
    }
    const pad = new Array<unknown>(L - n).fill(this.value);
    return this.append ? [...(seq as unknown[]), ...pad] : [...pad, ...(seq as unknown[])];
  }
}
