import type * as tf from '@tensorflow/tfjs';
import { Op, gatherInputs, scatterOutputs, type DataDict, type OpOptionsIn, type OpSchema } from '@fets/pipeline';
import type { StepState } from '../stepState.js';

/**
 * Base of batch-level tensor ops run by the Network (FastEstimator's TensorOp). Implement `forward(data, state)`:
 * `data` is the tensor of the single input key, or an array of tensors when there are several; return one tensor per
 * output key the same way. Ops run inside the Network's `tf.tidy` scopes and, in training, inside the gradient
 * function, so any tensor they create is tracked; they must not dispose their inputs.
 *
 * @example
 * class Double extends TensorOp {
 *   forward(x: tf.Tensor) { return tf.mul(x, 2); }
 * }
 * new Double({ inputs: 'x', outputs: 'x2' });
 */
export abstract class TensorOp<S extends OpSchema = OpSchema, O = OpOptionsIn<S>> extends Op<S, O> {
  /** @param options validated against `schema` (default: inputs, outputs, mode, dsId only) */
  constructor(options?: O, schema?: S) {
    super(options, schema);
  }

  /** Transforms the input tensor(s) into output tensor(s). */
  abstract forward(data: any, state: StepState): any;

  /**
   * Runs the op on the batch dictionary in place: gathers inputs, calls `forward`, writes outputs.
   * Meta ops and `Delete` override this; custom ops need not.
   */
  apply(data: DataDict, state: StepState): void {
    scatterOutputs(this, data, this.forward(gatherInputs(this, data), state));
  }

  /** Ops this op runs inside it (meta ops), for graph analysis; empty for plain ops. */
  get innerOps(): readonly TensorOp[] {
    return [];
  }

  /** Keys this op removes from the batch (only `Delete`). */
  get deletedKeys(): readonly string[] {
    return [];
  }
}

/** Flattens `forward` input as a list (one input → `[x]`). */
export function asList(data: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(data) ? data : [data];
}

/** Packs per-output results the way `scatterOutputs` expects (one output → the value itself). */
export function fromList<T>(values: T[]): T | T[] {
  return values.length === 1 ? values[0]! : values;
}
