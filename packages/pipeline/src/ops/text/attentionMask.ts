import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';

/** Options of {@link AttentionMask}. */
export const attentionMaskOptions = opOptionsSchema.extend({
  /** Id of padding (default 0): positions holding it get 0, the rest 1. */
  padId: z.number().int().default(0),
});

/** Options of {@link AttentionMask} (see {@link attentionMaskOptions}). */
export type AttentionMaskOptions = z.input<typeof attentionMaskOptions>;

/**
 * Attention mask of a sequence of ids: 1 where the id is not `padId`, else 0. Key in: ids (array or typed array).
 * Key out: `Int32Array` of the same length.
 *
 * @example
 * new AttentionMask({ inputs: 'x', outputs: 'xMask' }); // [101, 2054, 102, 0, 0] → [1, 1, 1, 0, 0]
 */
export class AttentionMask<const O extends AttentionMaskOptions = AttentionMaskOptions> extends NumpyOp<typeof attentionMaskOptions, O> {
  declare readonly '~io': { in: [ArrayLike<number>]; out: [Int32Array] };
  readonly padId: number;

  constructor(options: O) {
    super(options, attentionMaskOptions);
    const o = this.options;
    this.padId = o.padId;
    this.padValues = Object.fromEntries(this.outputs.map((k) => [k, 0]));
  }

  override forward(data: unknown, _state?: PipelineState): Int32Array {
    if (!Array.isArray(data) && !(ArrayBuffer.isView(data) && !(data instanceof DataView))) {
      throw new OpError(this.name, this.inputs[0], `expected an array of ids, received ${describeValue(data)}`);
    }
    const ids = data as ArrayLike<number>;
    const out = new Int32Array(ids.length);
    for (let i = 0; i < ids.length; i++) out[i] = ids[i] === this.padId ? 0 : 1;
    return out;
  }
}
