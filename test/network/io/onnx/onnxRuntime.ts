import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import type { BertForTokenClassification } from '@fets/network';

/** A batch of BERT inputs, row-major [B, L]. */
export interface BertBatch {
  ids: number[][];
  mask: number[][];
  types: number[][];
}

/** An onnxruntime-node session on one thread (the tests share two cores with everything else). */
export function openSession(file: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

const int64 = (rows: number[][]) =>
  new ort.Tensor('int64', BigInt64Array.from(rows.flat().map((v) => BigInt(v))), [rows.length, rows[0]?.length ?? 0]);

/** The ONNX model's logits for a batch (inputs fed as int64, as Hugging Face and transformers.js feed them). */
export async function onnxLogits(session: ort.InferenceSession, b: BertBatch): Promise<{ dims: readonly number[]; data: Float32Array }> {
  const out = await session.run({ input_ids: int64(b.ids), attention_mask: int64(b.mask), token_type_ids: int64(b.types) });
  const logits = out.logits!;
  return { dims: logits.dims, data: logits.data as Float32Array };
}

/** fets' own forward (inference) on the same batch; leaves no tensor behind. */
export function fetsLogits(model: BertForTokenClassification, b: BertBatch): Float32Array {
  return tf.tidy(() => {
    const t = (rows: number[][]) => tf.tensor2d(rows, [rows.length, rows[0]!.length], 'int32');
    const { logits } = model.forward([t(b.ids), t(b.mask), t(b.types)], false);
    return logits.dataSync() as Float32Array;
  });
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
