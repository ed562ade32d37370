import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { ConfigError, OpError, opOptionsSchema } from '@fets/pipeline';
import { callModel, isLayersModel, isModel, type Model } from '../model.js';
import { TensorOp, asList, fromList } from './tensorOp.js';
import type { StepState } from '../stepState.js';

const layerRef = z.union([z.string().min(1), z.number().int().min(0)]);
/** Options of {@link ModelOp}. */
export const modelOpOptions = opOptionsSchema.extend({
  /** The model to run (made by `build`). */
  model: z.custom<Model>((v) => isModel(v), 'expected a tf.LayersModel or a FunctionModel'),
  /** When false, the model always runs with `training = false` (dropout off, frozen behaviour). Default true. */
  trainable: z.boolean().default(true),
  /** Layers (names or indices into `model.layers`) whose outputs are also written, after the model's outputs. */
  intermediateLayers: z.union([layerRef, z.array(layerRef)]).optional(),
});

/** Options of {@link ModelOp} (see {@link modelOpOptions}). */
export type ModelOpOptions = z.input<typeof modelOpOptions>;

/**
 * Runs a model on the input keys and writes its output(s) (FastEstimator's `ModelOp`). `training` is true only in
 * train mode when `trainable`. Works with a `tf.LayersModel` (optionally exposing `intermediateLayers`) and with a
 * `FunctionModel`. Output keys: one per model output, then one per intermediate layer.
 *
 * @example
 * new ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }); // x, xMask: int32 [B, L] → yPred [B, L, C]
 */
export class ModelOp<const O extends ModelOpOptions = ModelOpOptions> extends TensorOp<typeof modelOpOptions, O> {
  readonly model: Model;
  readonly trainable: boolean;
  readonly intermediateLayers: readonly (string | number)[];
  private probe: tf.LayersModel | undefined;

  constructor(options: O) {
    super(options, modelOpOptions);
    const o = this.options;
    this.model = o.model;
    this.trainable = o.trainable;
    const il = o.intermediateLayers;
    this.intermediateLayers = il === undefined ? [] : Array.isArray(il) ? il : [il];
    if (this.inputs.length === 0 || this.outputs.length === 0) {
      throw new ConfigError(
        'ModelOp',
        [],
        `ModelOp: expected at least one input and one output key, received inputs [${this.inputs}] outputs [${this.outputs}]`,
      );
    }
    if (this.intermediateLayers.length > 0) this.probe = this.makeProbe();
  }

  private makeProbe(): tf.LayersModel {
    const m = this.model;
    if (!isLayersModel(m)) {
      throw new ConfigError(
        'ModelOp',
        [],
        `ModelOp: intermediateLayers needs a tf.LayersModel, received FunctionModel "${m.name}" (return the extra tensors from call() instead)`,
      );
    }
    const layers = this.intermediateLayers.map((ref) => {
      const layer = typeof ref === 'number' ? m.layers[ref] : m.layers.find((l) => l.name === ref);
      if (!layer) {
        throw new ConfigError(
          'ModelOp',
          [],
          `ModelOp: intermediateLayers: model "${m.name}" has no layer ${JSON.stringify(ref)} (layers: ${m.layers.map((l) => l.name).join(', ')})`,
        );
      }
      return layer;
    });
    const outs = [...m.outputs, ...layers.map((l) => l.output as tf.SymbolicTensor)];
    return tf.model({ inputs: m.inputs, outputs: outs });
  }

  /** Whether the model runs in training mode in this state. */
  isTraining(state: StepState): boolean {
    return state.mode === 'train' && this.trainable;
  }

  override forward(data: tf.Tensor | tf.Tensor[], state: StepState): tf.Tensor | tf.Tensor[] {
    const xs = asList(data);
    xs.forEach((x, i) => {
      if (!(x instanceof tf.Tensor)) {
        throw new OpError(this.name, this.inputs[i], `expected a tensor, received ${x === undefined ? 'undefined' : typeof x}`);
      }
    });
    const training = this.isTraining(state);
    const out = asList(this.probe ? callModel(this.probe, xs, training) : callModel(this.model, xs, training));
    if (out.length !== this.outputs.length) {
      throw new OpError(
        this.name,
        undefined,
        `model "${this.model.name}" produced ${out.length} output(s)${this.probe ? ' (intermediate layers included)' : ''}, but ${this.outputs.length} output key(s) were given: [${this.outputs}]`,
      );
    }
    return fromList(out);
  }
}
