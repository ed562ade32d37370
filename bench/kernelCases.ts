/** The kernel cases of `npm run bench -- wasm-threads`: each fused kernel timed against the package kernel it replaces. */
import * as tf from '@tensorflow/tfjs';
import { AdamW } from '@fets/network';
import {
  dropoutSeeded,
  geluErf,
  getKernelOverrides,
  layerNormLastAxis,
  setKernelOverrides,
  type KernelOverride,
} from '@fets/network/kernels';
import { timeKernel } from './common.js';

let benchRuns = 0;

/** One line of {@link benchmarkKernels}: a kernel case timed with the package kernel and with the replacement. */
export interface KernelBenchRow {
  kernel: KernelOverride | 'BatchMatMul (plain, reference)';
  case: string;
  /** Floating-point operations of one call (2·m·k·n for products, elements for sums and elementwise ops). */
  flops: number;
  /** Median milliseconds with the package kernel (for UnsortedSegmentSum, which wasm lacks: the cpu backend's). */
  originalMs: number;
  /** Median milliseconds with fets's replacement. */
  replacedMs: number;
  originalGflops: number;
  replacedGflops: number;
  /** originalMs / replacedMs. */
  speedup: number;
}

/** Options of {@link benchmarkKernels}. */
export interface KernelBenchOptions {
  /** Timed runs per case (median reported); default 5, after 2 warm-up runs. */
  repeats?: number;
  /** Scale the BERT-like sizes down (for a quick check); default 1. */
  scale?: number;
}

async function onCpu<T>(fn: () => T): Promise<T> {
  const prev = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    await tf.setBackend(prev);
  }
}

/**
 * Times each wasm kernel replacement against the package's kernel (or the tfjs ops a fused kernel replaces) on
 * BERT-training-like shapes (batch 32 × 64 tokens, hidden 256, 4 heads, a 512-row embedding for the segment sum,
 * 30,522 rows for the lookup and AdamW) and returns GFLOP/s (elements/ns for elementwise rows) for both. Must run
 * with the wasm backend current; restores the override settings it found.
 *
 * @example
 * await initBackend({ backend: 'wasm' });
 * console.table(await benchmarkKernels());
 */
export async function benchmarkKernels(options: KernelBenchOptions = {}): Promise<KernelBenchRow[]> {
  if (tf.getBackend() !== 'wasm') throw new Error(`benchmarkKernels needs the wasm backend, current: ${tf.getBackend()}`);
  const repeats = options.repeats ?? 5;
  const s = options.scale ?? 1;
  const saved = getKernelOverrides();
  const rows: KernelBenchRow[] = [];
  const tokens = Math.max(8, Math.round(2048 * s));
  const hidden = Math.max(8, Math.round(256 * s));
  const ffn = 4 * hidden;
  const seq = Math.max(8, Math.round(64 * s));
  const heads = 4;
  const headDim = hidden / heads;
  const batch = Math.max(1, Math.round(tokens / seq));
  // The cpu backend's UnsortedSegmentSum (the only reference: wasm has none) costs O(rows × segments), so the table
  // is 512 rows here rather than BERT's 30,522; the replacement's cost does not depend on the table size much.
  const vocab = Math.max(64, Math.round(512 * s));

  const run = (
    kernel: KernelBenchRow['kernel'],
    name: string,
    flops: number,
    fn: () => tf.Tensor,
    original: () => number = () => {
      setKernelOverrides(false);
      return timeKernel(fn, repeats);
    },
  ) => {
    if (process.env.FETS_BENCH_DEBUG) console.error(`bench: ${name} (tensors: ${tf.memory().numTensors})`);
    const originalMs = original();
    setKernelOverrides(true);
    const replacedMs = timeKernel(fn, repeats);
    rows.push({
      kernel,
      case: name,
      flops,
      originalMs,
      replacedMs,
      originalGflops: flops / originalMs / 1e6,
      replacedGflops: flops / replacedMs / 1e6,
      speedup: originalMs / replacedMs,
    });
  };

  const x = tf.randomNormal([tokens, hidden]);
  const w = tf.randomNormal([hidden, ffn]);
  const dy = tf.randomNormal([tokens, ffn]);
  const q = tf.randomNormal([batch, heads, seq, headDim]);
  const k = tf.randomNormal([batch, heads, seq, headDim]);
  const p = tf.randomNormal([batch, heads, seq, seq]);
  const ids = tf.randomUniform([tokens], 0, vocab, 'int32') as tf.Tensor1D;
  const rowsGrad = tf.randomNormal([tokens, hidden]);
  const gamma = tf.ones([hidden]);
  const beta = tf.zeros([hidden]);
  // BERT's word embedding (30,522 rows) for the lookup and the optimizer step.
  const bigVocab = Math.max(64, Math.round(30522 * s));
  const table = tf.randomNormal([bigVocab, hidden]);
  const bigIds = tf.randomUniform([tokens], 0, bigVocab, 'int32') as tf.Tensor1D;
  const tableGrad = tf.randomNormal([bigVocab, hidden]);
  const tableVar = tf.tidy(() => tf.variable(tf.zeros([bigVocab, hidden]), true, `benchmarkKernels/table_${benchRuns++}`));
  const optimizer = new AdamW({ learningRate: 1e-3 });
  try {
    const mm = 2 * tokens * hidden * ffn;
    run('BatchMatMul (plain, reference)', `[${tokens},${hidden}]@[${hidden},${ffn}]`, mm, () => tf.matMul(x, w));
    run('BatchMatMulTranspose', `transposeA [${tokens},${hidden}]ᵀ@[${tokens},${ffn}]`, mm, () => tf.matMul(x, dy, true));
    run('BatchMatMulTranspose', `transposeB [${tokens},${ffn}]@[${hidden},${ffn}]ᵀ`, mm, () => tf.matMul(dy, w, false, true));
    const att = 2 * batch * heads * seq * seq * headDim;
    run('BatchMatMulBatched', `scores [${batch},${heads},${seq},${headDim}]@ᵀ`, att, () => tf.matMul(q, k, false, true));
    run('BatchMatMulBatched', `context [${batch},${heads},${seq},${seq}]@[..,${seq},${headDim}]`, att, () => tf.matMul(p, k));
    run('BatchMatMulBatched', `3-D @ 2-D [${batch},${seq},${hidden}]@[${hidden},${ffn}]`, mm, () =>
      tf.matMul(x.reshape([batch, seq, hidden]), w),
    );
    run('Sum', `axis 0 of [${tokens},${ffn}]`, tokens * ffn, () => tf.sum(dy, 0));
    run('Sum', `axes [0,1] of [${batch},${seq},${hidden}]`, tokens * hidden, () => tf.sum(rowsGrad.reshape([batch, seq, hidden]), [0, 1]));
    // wasm has no UnsortedSegmentSum of its own: the reference is the cpu backend's kernel on the same data.
    const cpuMs = await onCpu(() => {
      const a = tf.tensor(rowsGrad.dataSync(), rowsGrad.shape);
      const b = tf.tensor1d(ids.dataSync(), 'int32');
      const t = timeKernel(() => tf.unsortedSegmentSum(a, b, vocab), 1);
      tf.dispose([a, b]);
      return t;
    });
    run(
      'UnsortedSegmentSum',
      `${tokens} rows into [${vocab},${hidden}] (original: cpu backend)`,
      tokens * hidden,
      () => tf.unsortedSegmentSum(rowsGrad, ids, vocab),
      () => cpuMs,
    );
    // Session-2 replacements: the GEMM against XNNPACK, and each fused op against the tfjs ops it replaces
    // (forward + backward where it has a gradient).
    run('Gemm', `[${tokens},${hidden}]@[${hidden},${ffn}] vs XNNPACK`, mm, () => tf.matMul(x, w));
    run('Gemm', `transposeA [${tokens},${hidden}]ᵀ@[${tokens},${ffn}]`, mm, () => tf.matMul(x, dy, true));
    run('Gelu', `GELU forward + backward on [${tokens},${ffn}]`, tokens * ffn, () =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => geluErf(t).sum())(dy)),
    );
    run('LayerNorm', `LayerNorm forward + backward on [${tokens},${hidden}]`, tokens * hidden, () =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => layerNormLastAxis(t, gamma, beta, 1e-12).sum())(x)),
    );
    run('Dropout', `dropout mask, rate 0.1, [${tokens},${hidden}]`, tokens * hidden, () => dropoutSeeded(x, 0.1, 7));
    run('Transpose', `identity perm [0,1] of [${bigVocab},${hidden}] (embedding gradient)`, bigVocab * hidden, () =>
      tf.transpose(table, [0, 1]),
    );
    run('Transpose', `[${tokens},${ffn}] → [1,0]`, tokens * ffn, () => tf.transpose(dy));
    run('GatherV2', `${tokens} rows of [${bigVocab},${hidden}]`, tokens * hidden, () => tf.gather(table, bigIds));
    run('AdamW', `AdamW step on [${bigVocab},${hidden}]`, bigVocab * hidden, () => {
      optimizer.applyGradients({ [tableVar.name]: tableGrad });
      return tf.scalar(0);
    });
  } finally {
    tf.dispose([x, w, dy, q, k, p, ids, rowsGrad, gamma, beta, table, bigIds, tableGrad]);
    tableVar.dispose();
    optimizer.dispose();
    setKernelOverrides(saved);
  }
  return rows;
}
