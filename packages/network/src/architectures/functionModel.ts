import type * as tf from '@tensorflow/tfjs';

/**
 * A model written as a plain function over its own `tf.Variable`s (for architectures tfjs-layers cannot express,
 * such as BERT's masked attention). `ModelOp` runs it, `UpdateOp` trains `trainableWeights()`, and checkpoints use
 * `namedWeights()` (Hugging Face parameter names, PyTorch shapes).
 *
 * @example
 * const model: FunctionModel = bertForTokenClassification({ ...config, numLabels: 7 });
 * const logits = model.call([inputIds, attentionMask], false) as tf.Tensor; // [B, L, 7]
 */
export interface FunctionModel {
  /** Name used in logs and messages (e.g. `'BertForTokenClassification'`). */
  readonly name: string;
  /** Forward pass. Inputs as the model documents them (BERT: `[inputIds, attentionMask, tokenTypeIds?]`, int32 [B, L]). */
  call(inputs: tf.Tensor[], training: boolean): tf.Tensor | tf.Tensor[];
  /** Every trainable variable. */
  trainableWeights(): tf.Variable[];
  /** Parameter name (Hugging Face naming) → variable. */
  namedWeights(): Map<string, tf.Variable>;
  /** Frees every variable. */
  dispose(): void;
}
