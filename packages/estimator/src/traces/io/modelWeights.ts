import { serializeSafetensors, namedVariables, loadWeightsFile, type Model } from '@fets/network';
import { writeFileAtomic } from './fileSafety.js';

/**
 * The bytes of a `.safetensors` file holding every variable of `model` as float32, named as `namedVariables(model)`
 * names them (what `build({ weightsPath })` and `loadWeightsFile` read back).
 *
 * @example
 * const bytes = serializeModelWeights(model);
 */
export function serializeModelWeights(model: Model, metadata: Record<string, string> = { format: 'fets' }): Uint8Array {
  const entries = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, v] of namedVariables(model)) {
    const d = v.dataSync();
    entries.set(name, { shape: v.shape, data: d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>) });
  }
  return serializeSafetensors(entries, metadata);
}

/**
 * Saves every variable of `model` to `file` (`.safetensors`) atomically: the previous file stays complete until the
 * new one is fully written. Bit-exact for float32 weights.
 *
 * @example
 * await saveModelWeights(model, 'runs/ner/model_best_f1.safetensors');
 */
export async function saveModelWeights(model: Model, file: string, metadata?: Record<string, string>): Promise<void> {
  await writeFileAtomic(file, serializeModelWeights(model, metadata));
}

/**
 * Loads weights saved by {@link saveModelWeights} into `model` (by variable name; shapes must match). Returns the
 * names in the file the model does not use.
 *
 * @example
 * loadModelWeights(model, 'runs/ner/model_best_f1.safetensors');
 */
export function loadModelWeights(model: Model, file: string): string[] {
  return loadWeightsFile(model, file);
}
