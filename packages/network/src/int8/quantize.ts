/**
 * Symmetric per-output-channel int8 quantization of a dense layer's weights (PyTorch layout [out, in]): row j gets
 * `scale[j] = max_k |w[j, k]| / 127` (float32) and `q[j, k] = round(w[j, k] · (127 / max_k |w[j, k]|))`, rounded half
 * to even, in [−127, 127] (−128 is never used, so the kernels' sums stay symmetric); an all-zero row gets scale 0.
 * Dequantized, `w ≈ q · scale` with `|w − q·scale| ≤ scale / 2` (plus float32 rounding).
 */

/** One dense layer's weights quantized: q [n, k] row-major and n scales. */
export interface QuantizedMatrix {
  q: Int8Array;
  scales: Float32Array;
  n: number;
  k: number;
}

/** x rounded to the nearest integer, ties to even (as the native quantizer and C's nearbyint). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Quantizes `data` ([n, k] row-major float32) per row.
 *
 * @example
 * const { q, scales } = quantizeInt8(await w.data() as Float32Array, 256, 1024);
 */
export function quantizeInt8(data: Float32Array, n: number, k: number): QuantizedMatrix {
  if (data.length !== n * k) throw new RangeError(`quantizeInt8: expected ${n} × ${k} = ${n * k} values, received ${data.length}`);
  const q = new Int8Array(n * k);
  const scales = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const row = data.subarray(j * k, (j + 1) * k);
    let amax = 0;
    for (let i = 0; i < k; i++) amax = Math.max(amax, Math.abs(row[i]!));
    if (!Number.isFinite(amax)) throw new RangeError(`quantizeInt8: row ${j} holds a value that is not finite`);
    if (amax === 0) continue;
    scales[j] = Math.fround(amax / 127);
    const inv = Math.fround(127 / amax);
    for (let i = 0; i < k; i++) q[j * k + i] = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(row[i]! * inv))));
  }
  return { q, scales, n, k };
}

/**
 * The dense layers of a BERT token classifier that run in int8, by Hugging Face weight name: each layer's query,
 * key, value and attention output, intermediate and output, and the classifier head. Embeddings, LayerNorm, biases
 * and CRF transitions stay float32.
 */
export const INT8_LAYER_PATTERN =
  /(?:attention\.self\.(?:query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense|classifier)\.weight$/;

/** Name of a layer's scales beside its int8 weights in `model.int8.safetensors`. */
export const int8ScaleName = (weightName: string): string => `${weightName}_scale`;
