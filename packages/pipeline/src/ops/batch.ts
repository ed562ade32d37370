import { z } from 'zod';
import { opOptionsSchema, type DataDict } from '../core/op.js';
import type { DType } from '../core/ndarray.js';
import { collate } from './collate.js';
import { NumpyOp } from './numpyOp.js';

/** Options of {@link Batch}. */
export const batchOptions = opOptionsSchema.omit({ inputs: true, outputs: true }).extend({
  /** Samples per batch (≥ 1). Use several Batch ops with `mode`/`dsId`, or an EpochScheduler, to vary it. */
  batchSize: z.number().int().min(1),
  /** Drop the last, incomplete batch of an epoch (default false). */
  dropLast: z.boolean().default(false),
  /** Pad ragged keys to the batch's longest with this value (one value, or per key). */
  padValue: z.union([z.number(), z.record(z.string(), z.number())]).optional(),
  /** Force a dtype per key (default: inferred; see `collateKey`). */
  dtypes: z.record(z.string(), z.enum(['float32', 'int32', 'bool', 'string'])).optional(),
  /** Replace the default collation. */
  collateFn: z.custom<(samples: DataDict[]) => DataDict>((v) => typeof v === 'function', 'expected a function').optional(),
  /**
   * Group samples of similar length into the same batch (Hugging Face's `group_by_length`, tf.data's
   * `bucket_by_sequence_length`): the key whose length (array length, NDArray's first dimension, string length)
   * decides. Samples are taken `bucketBatches` batches at a time in the epoch's (shuffled) order, sorted by that length
   * and cut into batches, whose order is then shuffled. Less padding, so fewer wasted FLOPs on ragged text.
   */
  bucketBy: z.string().min(1).optional(),
  /** Batches per sorting pool when `bucketBy` is set (default 50, as Hugging Face's LengthGroupedSampler). */
  bucketBatches: z.number().int().min(2).default(50),
});
/** Options of {@link Batch} (see {@link batchOptions}). */
export type BatchOptions = z.input<typeof batchOptions>;

/**
 * Marks where per-sample processing ends and batches are formed (FastEstimator's Batch op). Ops listed before it run
 * on each sample; ops after it run on whole batches (`forwardBatch`). Numeric keys become `NDArray`s `[batch, ...]`.
 *
 * @example
 * new Batch({ batchSize: 32, padValue: 0, mode: 'train' });
 * new Batch({ batchSize: 32, bucketBy: 'x' }); // similar lengths together: less padding
 */
export class Batch<const O extends BatchOptions = BatchOptions> extends NumpyOp<typeof batchOptions, O> {
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly padValue: number | Readonly<Record<string, number>> | undefined;
  readonly dtypes: Readonly<Record<string, DType>> | undefined;
  readonly collateFn: ((samples: DataDict[]) => DataDict) | undefined;
  readonly bucketBy: string | undefined;
  readonly bucketBatches: number;

  constructor(options: O) {
    super(options, batchOptions);
    const o = this.options;
    this.batchSize = o.batchSize;
    this.dropLast = o.dropLast;
    this.padValue = o.padValue;
    this.dtypes = o.dtypes;
    this.collateFn = o.collateFn;
    this.bucketBy = o.bucketBy;
    this.bucketBatches = o.bucketBatches;
  }

  /** Collates samples into a batch. */
  collate(samples: DataDict[]): DataDict {
    return this.collateFn ? this.collateFn(samples) : collate(samples, this.padValue, this.dtypes);
  }

  /** Not used per sample: the Pipeline calls `collate`. */
  override forward(data: unknown): unknown {
    return data;
  }
}
