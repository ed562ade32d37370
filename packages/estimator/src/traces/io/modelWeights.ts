import { serializeSafetensors, namedVariables, loadWeightsFile, type Model, atomicWriteFile } from '@fets/network';

/**
 * The bytes of a `.safetensors` file holding every variable of `model` as float32, named as `namedVariables(model)`
 * names them (what `build({ weightsPath })` and `loadWeightsFile` read back). Reads asynchronously: a GPU backend
 * under Node (webgpu) has no synchronous read.
 *
 * @example
 * const bytes = await serializeModelWeights(model);
 */
export async function serializeModelWeights(model: Model, metadata: Record<string, string> = { format: 'fets' }): Promise<Uint8Array> {
  const entries = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, v] of namedVariables(model)) {
    const d = await v.data();
    entries.set(name, { shape: v.shape, data: d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>) });
  }
  return serializeSafetensors(entries, metadata);
}

/**
 * Saves every variable of `model` to `file` (`.safetensors`) atomically: the previous file stays complete until the
 * new one is fully written (a failure is a SaveError naming `owner` and the file). Bit-exact for float32 weights.
 *
 * @example
 * await saveModelWeights(model, 'runs/ner/model_best_f1.safetensors');
 */
export async function saveModelWeights(
  model: Model,
  file: string,
  metadata?: Record<string, string>,
  owner = 'saveModelWeights',
): Promise<void> {
  await atomicWriteFile(file, await serializeModelWeights(model, metadata), { owner });
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

/**
 * The first weight of `model` holding NaN or ±Infinity (its name, flat index and value), or undefined when every weight
 * is finite. Savers check it so that a diverged model never overwrites a good checkpoint. Reads asynchronously (see
 * {@link serializeModelWeights}).
 *
 * @example
 * const bad = await nonFiniteWeight(model); // { name: 'dense_Dense1/kernel', index: 3, value: NaN }
 */
export async function nonFiniteWeight(model: Model): Promise<{ name: string; index: number; value: number } | undefined> {
  for (const [name, v] of namedVariables(model)) {
    if (v.dtype !== 'float32') continue;
    const d = await v.data();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i]!)) return { name, index: i, value: d[i]! };
  }
  return undefined;
}
