import * as tf from '@tensorflow/tfjs';
import { Int8Weights, int8Available, int8Linear } from '../kernels/native/int8Linear.js';
import { Int8StaleError, Int8TapeError, Int8UnavailableError } from './errors.js';
import { INT8_LAYER_PATTERN, quantizeInt8, type QuantizedMatrix } from './quantize.js';

/** A variable's int8 copy: the native weights and the data the float variable held when they were made. */
interface Int8Entry {
  weights: Int8Weights;
  dataId: object;
  name: string;
}

/** Float weight variable → its int8 copy (set by {@link useInt8}); dense layers consult it at inference. */
const registry = new WeakMap<tf.Tensor, Int8Entry>();

/** A model whose dense layers can run in int8: its weights by Hugging Face name. */
export interface Int8Quantizable {
  namedWeights(): Map<string, tf.Variable>;
}

const dataIdOf = (t: tf.Tensor): object => (t as unknown as { dataId: object }).dataId;
const taped = (): boolean => (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;

/**
 * The dense layer `act(x·Wᵀ + b)` in int8 when `w` has an int8 copy ({@link useInt8}), else undefined (the caller
 * runs it in float32). Under a gradient tape it throws {@link Int8TapeError}: int8 weights are for inference.
 *
 * @example
 * const y = int8LinearFor(x, w, b) ?? floatLinear(x, w, b);
 */
export function int8LinearFor(
  x: tf.Tensor2D,
  w: tf.Tensor,
  b: tf.Tensor | undefined,
  activation: 'none' | 'gelu' = 'none',
): tf.Tensor2D | undefined {
  const entry = registry.get(w);
  if (!entry) return undefined;
  if (taped()) throw new Int8TapeError(entry.name);
  if (dataIdOf(w) !== entry.dataId) throw new Int8StaleError(entry.name);
  if (!int8Available())
    throw new Int8UnavailableError(`int8 linear ${entry.name}`, `backend "${tf.getBackend()}" has no FetsLinearInt8 kernel`);
  return int8Linear(x, entry.weights, b, activation);
}

/**
 * Quantized weights of a model's int8 layers by Hugging Face name ({@link INT8_LAYER_PATTERN}), from its float
 * weights (per output channel, {@link quantizeInt8}).
 *
 * @example
 * const layers = quantizeModelWeights(model); // Map('bert.encoder.layer.0.attention.self.query.weight' → { q, scales, … })
 */
export function quantizeModelWeights(model: Int8Quantizable): Map<string, QuantizedMatrix> {
  const out = new Map<string, QuantizedMatrix>();
  for (const [name, v] of model.namedWeights()) {
    if (!INT8_LAYER_PATTERN.test(name) || v.rank !== 2) continue;
    const [n, k] = v.shape as [number, number];
    out.set(name, quantizeInt8(v.dataSync() as Float32Array, n, k));
  }
  return out;
}

/**
 * Runs the model's dense layers in int8 from now on (inference only; embeddings, LayerNorm, attention's softmax and
 * the biases stay float32): each int8 layer's weights from `layers` (e.g. a model folder's `model.int8.safetensors`)
 * or, when absent, quantized from its float weights. The float variables are kept (the model still saves, exports and
 * trains in float32 after {@link releaseInt8}). Returns the names of the layers now in int8.
 *
 * @example
 * useInt8(model);                       // quantize from the float weights
 * useInt8(model, readInt8Layers(bytes)); // or the folder's int8 weights
 */
export function useInt8(model: Int8Quantizable, layers?: ReadonlyMap<string, QuantizedMatrix>): string[] {
  if (!int8Available()) throw new Int8UnavailableError('useInt8', `backend "${tf.getBackend()}" has no FetsLinearInt8 kernel`);
  const source = layers ?? quantizeModelWeights(model);
  const done: string[] = [];
  for (const [name, v] of model.namedWeights()) {
    const m = source.get(name);
    if (!m) continue;
    if (v.rank !== 2 || v.shape[0] !== m.n || v.shape[1] !== m.k)
      throw new RangeError(`useInt8: ${name}: int8 weights [${m.n}, ${m.k}] do not fit the variable [${v.shape.join(', ')}]`);
    registry.get(v)?.weights.dispose();
    registry.set(v, { weights: Int8Weights.pack(m.q, m.scales, m.n, m.k), dataId: dataIdOf(v), name });
    done.push(name);
  }
  return done;
}

/**
 * Back to float32 for every layer of the model, the native int8 copies freed (idempotent).
 *
 * @example
 * releaseInt8(model);
 */
export function releaseInt8(model: Int8Quantizable): void {
  for (const v of model.namedWeights().values()) {
    registry.get(v)?.weights.dispose();
    registry.delete(v);
  }
}

/**
 * Names of the model's layers running in int8.
 *
 * @example
 * int8Layers(model).length; // 4 per encoder layer + 2 + the classifier
 */
export function int8Layers(model: Int8Quantizable): string[] {
  return [...model.namedWeights()].filter(([, v]) => registry.has(v)).map(([n]) => n);
}
