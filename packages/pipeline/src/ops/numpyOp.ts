import { Op, type DataDict, type OpOptionsIn, type OpSchema } from '../core/op.js';
import type { Mode } from '../core/mode.js';
import type { Dataset } from '../datasets/dataset.js';

/** What every Pipeline op sees besides its inputs. */
export interface PipelineState {
  /** Current mode. */
  readonly mode: Mode;
  /** Current epoch (1-based; 0 outside fit/test, e.g. `pipeline.transform`). */
  readonly epoch: number;
  /** Data-set id of the sample ('' when the source is a single data set). */
  readonly dsId: string;
  /** Seeded random numbers in [0, 1) for this sample: use it, not Math.random, so runs repeat. */
  readonly random: () => number;
}

/** Returned by `forward` to drop the sample (RemoveIf and custom filters). */
export class FilteredData {
  /** Whether the Pipeline should draw another sample in its place so the epoch keeps its length. */
  constructor(readonly replacement = true) {}
}

/**
 * Base of per-sample data ops (FastEstimator's NumpyOp). Implement `forward(data, state)`: `data` is the value of the
 * single input key, or an array of values when there are several; return one value per output key the same way.
 * Ops placed after `Batch` get `forwardBatch`, which by default applies `forward` to each sample of the batch.
 *
 * @example
 * class Lowercase extends NumpyOp {
 *   forward(words: string[]) { return words.map((w) => w.toLowerCase()); }
 * }
 * new Lowercase({ inputs: 'words', outputs: 'words', mode: '!infer' });
 */
export abstract class NumpyOp<S extends OpSchema = OpSchema, O = OpOptionsIn<S>> extends Op<S, O> {
  /**
   * Pad value per output key, used by `Batch` when it pads ragged samples to the batch's longest and no explicit
   * `padValue` is given for that key (e.g. BertTokenize: ids 0, labels -100). Set it in a subclass's constructor.
   */
  padValues: Readonly<Record<string, number>> = {};

  /** Inputs the op can do without in infer mode (e.g. BertTokenize's tags): the key check skips them there. */
  optionalInputs: readonly string[] = [];

  /** @param options validated against `schema` (default: inputs, outputs, mode, dsId only) */
  constructor(options?: O, schema?: S) {
    super(options, schema);
  }

  /** Transforms one sample's input value(s) into output value(s). */
  abstract forward(data: any, state: PipelineState): any;

  /**
   * Checks a whole data set before the first step (the Estimator's warm-up, `fets check`, `Pipeline.checkData`), so a
   * problem in any split stops the run before training rather than at its first bad batch. Default: nothing to check.
   * Throw a located FetsError (`err.locate({ mode, dsId, index, source: dataset.describe(index, position) })`).
   */
  checkData(_data: Dataset, _where: { mode: Mode; dsId: string }): void {}

  /**
   * Runs the op on one sample's dictionary in place: gathers inputs, calls `forward`, writes outputs. Returns
   * `FilteredData` when the sample is dropped. Meta ops and `Delete` override this; custom ops need not.
   */
  apply(data: DataDict, state: PipelineState): FilteredData | undefined {
    const r = this.forward(gatherInputs(this, data), state);
    if (r instanceof FilteredData) return r;
    scatterOutputs(this, data, r);
    return undefined;
  }

  /**
   * Transforms a whole batch: `data` holds one entry per input key, each a list of per-sample values (or a batched
   * array). Default: `forward` on each sample, outputs collected per key as lists.
   */
  forwardBatch(data: unknown[][], state: PipelineState): unknown[][] | FilteredData {
    const n = data[0]?.length ?? 0;
    const outs: unknown[][] = this.outputs.map(() => []);
    for (let i = 0; i < n; i++) {
      const args = data.map((col) => col[i]);
      const r = this.forward(this.inputs.length === 1 ? args[0] : args, state);
      if (r instanceof FilteredData) return r;
      const vals = this.outputs.length === 1 ? [r] : (r as unknown[]);
      vals.forEach((v, k) => outs[k]!.push(v));
    }
    return outs;
  }
}

/** Gathers an op's inputs from a data dict in the shape `forward` expects (value, or list of values). */
export function gatherInputs(op: Pick<Op, 'inputs'>, data: DataDict): unknown {
  if (op.inputs.length === 1) return data[op.inputs[0]!];
  return op.inputs.map((k) => data[k]);
}

/** Writes `forward`'s result into the data dict under the op's output keys. */
export function scatterOutputs(op: Pick<Op, 'outputs' | 'name'>, data: DataDict, result: unknown): void {
  const outs = op.outputs;
  if (outs.length === 0) return;
  if (outs.length === 1) {
    data[outs[0]!] = result;
    return;
  }
  const vals = result as unknown[];
  for (let i = 0; i < outs.length; i++) data[outs[i]!] = vals[i];
}
