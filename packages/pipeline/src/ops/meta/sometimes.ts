import { metaKeys } from '../../core/metaKeys.js';
import { z } from 'zod';
import type { DataDict } from '../../core/op.js';
import type { MetaSig, SigOf } from '../../core/keyGraph.js';
import { parseOptions } from '../../core/options.js';
import { type FilteredData, NumpyOp, type PipelineState } from '../numpyOp.js';

const schema = z.strictObject({
  op: z.custom<NumpyOp>((v) => v instanceof NumpyOp, 'expected a NumpyOp'),
  prob: z.number().min(0).max(1).default(0.5),
});

/**
 * Applies an op to a sample with probability `prob` (seeded through the Pipeline's per-sample random numbers). The op
 * must write only keys it also reads, so a skipped sample still has every key.
 *
 * @example
 * new Sometimes({ op: new MaskWords({ inputs: 'words', outputs: 'words' }), prob: 0.3 });
 */
export class Sometimes<const O extends { op: NumpyOp; prob?: number } = { op: NumpyOp; prob?: number }> extends NumpyOp {
  declare readonly '~sig': MetaSig<SigOf<O['op']>>;
  readonly op: NumpyOp;
  readonly prob: number;

  constructor(options: O) {
    const o = parseOptions(new.target.name, schema, options);
    super(metaKeys('Sometimes', [o.op]));
    this.op = o.op;
    this.prob = o.prob;
  }

  override forward(data: unknown, state: PipelineState): unknown {
    return state.random() < this.prob ? this.op.forward(data, state) : data;
  }

  override apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    return state.random() < this.prob ? this.op.apply(data, state) : undefined;
  }
}
