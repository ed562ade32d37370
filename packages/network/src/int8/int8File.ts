import { parseSafetensors, serializeSafetensors, type SafetensorsEntry } from '../io/safetensors.js';
import { Int8FolderError } from './errors.js';
import { int8ScaleName, type QuantizedMatrix } from './quantize.js';

/** The model folder's file of int8 weights (beside `model.safetensors`, which keeps the float32 weights). */
export const INT8_FILE = 'model.int8.safetensors';

/**
 * The bytes of `model.int8.safetensors`: per int8 layer, `<weight name>` I8 [n, k] (values in [−127, 127]) and
 * `<weight name>_scale` F32 [n] (w ≈ q·scale per output channel); `__metadata__` records the scheme.
 *
 * @example
 * const bytes = serializeInt8Layers(quantizeModelWeights(model));
 */
export function serializeInt8Layers(layers: ReadonlyMap<string, QuantizedMatrix>): Uint8Array {
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, m] of layers) {
    tensors.set(name, { shape: [m.n, m.k], data: m.q });
    tensors.set(int8ScaleName(name), { shape: [m.n], data: m.scales });
  }
  return serializeSafetensors(tensors, { format: 'pt', quantization: 'int8-symmetric-per-channel' });
}

/**
 * Reads `model.int8.safetensors` back (every I8 tensor with its `_scale`); a tensor of another type, a missing scale
 * or −128 is an {@link Int8FolderError} naming the file.
 *
 * @example
 * const layers = parseInt8Layers(bytes, 'runs/ner-bert/model');
 */
export function parseInt8Layers(bytes: Uint8Array, folder: string): Map<string, QuantizedMatrix> {
  const { tensors } = parseSafetensors(bytes, `${folder}/${INT8_FILE}`);
  const out = new Map<string, QuantizedMatrix>();
  for (const [name, t] of tensors) {
    if (name.endsWith('_scale')) continue;
    if (t.dtype !== 'I8' || t.shape.length !== 2)
      throw new Int8FolderError(folder, INT8_FILE, `${name}: expected I8 [n, k], received ${t.dtype} [${t.shape.join(', ')}]`);
    const [n, k] = t.shape as [number, number];
    const s = tensors.get(int8ScaleName(name));
    if (!s || s.dtype !== 'F32' || s.shape.length !== 1 || s.shape[0] !== n)
      throw new Int8FolderError(
        folder,
        INT8_FILE,
        `${int8ScaleName(name)}: expected F32 [${n}], received ${s ? `${s.dtype} [${s.shape.join(', ')}]` : 'nothing'}`,
      );
    const q = t.data as Int8Array;
    const bad = q.indexOf(-128);
    if (bad >= 0) throw new Int8FolderError(folder, INT8_FILE, `${name}[${bad}] is −128 (symmetric weights are in [−127, 127])`);
    out.set(name, { q, scales: s.data as Float32Array, n, k });
  }
  return out;
}

/**
 * A model folder's int8 layers, checked against the manifest's list and the model: each listed layer is in the file
 * and of its float weight's shape (else an {@link Int8FolderError} naming the file and the layer).
 *
 * @example
 * const int8 = int8FolderLayers(folder, bytes, manifest.int8.layers, model);
 */
export function int8FolderLayers(
  folder: string,
  bytes: Uint8Array,
  layers: readonly string[],
  model: { namedWeights(): Map<string, { shape: number[] }> },
): Map<string, QuantizedMatrix> {
  let parsed: Map<string, QuantizedMatrix>;
  try {
    parsed = parseInt8Layers(bytes, folder);
  } catch (e) {
    if (e instanceof Int8FolderError) throw e;
    throw new Int8FolderError(folder, INT8_FILE, (e as Error).message.split('\n')[0]!);
  }
  const weights = model.namedWeights();
  for (const name of layers) {
    const m = parsed.get(name);
    if (!m) throw new Int8FolderError(folder, INT8_FILE, `no tensor "${name}" (fets.json's int8.layers lists it)`);
    const shape = weights.get(name)?.shape;
    if (!shape || shape[0] !== m.n || shape[1] !== m.k)
      throw new Int8FolderError(
        folder,
        INT8_FILE,
        `${name}: expected shape [${shape?.join(', ') ?? 'no such weight in the model'}], received [${m.n}, ${m.k}]`,
      );
  }
  return parsed;
}
