/**
 * `npm run bench -- trainparts [--reps N]`: the parts of a bert-mini train step that the `trainfuse` session replaced,
 * each against what ran before, side by side in one process (interleaved repetitions; median CPU time of the process,
 * user + system, and median wall time), on 1 and 2 native threads:
 *
 * - attention forward + gradient (batch 32 × 64, 4 heads of 64, attention dropout 0.1): `attentionTrainFused` against
 *   BERT's composed path (head transposes, batched products, mask, softmax over [B, heads·L, L], tf.dropout);
 * - the dropout multiplier of a [2048, 256] activation: the native kernel (Alea jumped to pieces, interleaved chains,
 *   on the pool) against the same kernel's JavaScript loop (the Native switch off: one serial chain, as before);
 * - a bias gradient `ones[1, 2048]·dy[2048, 256]`: the native column sum against the halving through the wasm Add
 *   kernel (the Native switch off).
 *
 * CPU time leaves out the time the process waited for a core, so under load its ratios mean more than wall times.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, setKernelOverrides } from '@fets/network';
import { DROPOUT_MASK_KERNEL, attentionTrainFused, nativeAddon } from '@fets/network/kernels';
import { fmtMs, fmtX, median, note, type FigureResult, type Row } from './common.js';

const [B, L, NH, D] = [32, 64, 4, 64];
const H = NH * D;

/** BERT's composed training attention (architectures/bert/bertModel.ts when the fused kernels are absent). */
function composed(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, mask: tf.Tensor, rate: number, seed: number): tf.Tensor2D {
  const heads = (x: tf.Tensor2D, perm: number[], shape: [number, number, number]) =>
    tf.reshape(tf.transpose(tf.reshape(x, [B, L, NH, D]), perm), shape) as tf.Tensor3D;
  const qh = heads(q, [0, 2, 1, 3], [B * NH, L, D]);
  const kh = heads(k, [0, 2, 3, 1], [B * NH, D, L]);
  const vh = heads(v, [0, 2, 1, 3], [B * NH, L, D]);
  const scores = tf.add(tf.reshape(tf.div(tf.matMul(qh, kh), Math.sqrt(D)), [B, NH * L, L]), mask);
  const probs = tf.dropout(tf.softmax(scores, -1), rate, undefined, seed);
  const ctx3 = tf.matMul(tf.reshape(probs, [B * NH, L, L]) as tf.Tensor3D, vh);
  return tf.reshape(tf.transpose(tf.reshape(ctx3, [B, NH, L, D]), [0, 2, 1, 3]), [B * L, H]) as tf.Tensor2D;
}

/** CPU milliseconds (user + system) and wall milliseconds of one call of fn in a tidy. */
function timeOnce(fn: () => tf.Tensor | tf.Tensor[]): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  tf.tidy(fn);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

/** Interleaved repetitions of a (new) and b (before); medians of each. */
function ab(a: () => void, b: () => void, reps: number, setup: (side: 'a' | 'b') => void) {
  const ta: { cpu: number; wall: number }[] = [];
  const tb: { cpu: number; wall: number }[] = [];
  for (let r = -2; r < reps; r++) {
    setup('a');
    const x = timeOnce(() => (a(), []));
    setup('b');
    const y = timeOnce(() => (b(), []));
    if (r >= 0) ta.push(x), tb.push(y);
  }
  setup('a');
  const m = (xs: { cpu: number; wall: number }[], k: 'cpu' | 'wall') => median(xs.map((t) => t[k]));
  return { newCpu: m(ta, 'cpu'), oldCpu: m(tb, 'cpu'), newWall: m(ta, 'wall'), oldWall: m(tb, 'wall') };
}

function fill(n: number, seed: number): Float32Array {
  let s = seed;
  return new Float32Array(n).map(() => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1);
}

export async function run(options: { reps?: number } = {}): Promise<FigureResult> {
  const reps = options.reps ?? 10;
  await initBackend({ quiet: true });
  await tf.setBackend('wasm');
  setKernelOverrides(true);
  const addon = nativeAddon();
  if (!addon) throw new Error('bench: trainparts needs the native addon (node packages/network/native/build.mjs)');
  const [q, k, v, dy] = [1, 2, 3, 4].map((s) => tf.tensor2d(fill(B * L * H, s), [B * L, H]));
  const mask = tf.tensor3d(
    new Float32Array(B * L).map((_, i) => (i % L > 50 ? -3.4e38 : 0)),
    [B, 1, L],
  );
  const x = tf.tensor2d(fill(B * L * H, 5), [B * L, H]);
  const ones = tf.ones([1, B * L]);
  const rate = 0.1;
  const attention = (fused: boolean) => () =>
    tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const f = fused
        ? attentionTrainFused(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, mask, L, NH, rate, () => 7)!
        : composed(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor2D, mask, rate, 7);
      return tf.sum(tf.mul(f, dy!));
    })([q!, k!, v!]);
  const dropMask = () => tf.engine().runKernel(DROPOUT_MASK_KERNEL, {}, { shape: [B * L, H], rate, seed: 7 } as never);
  const biasGrad = () => tf.matMul(ones, x);
  const nativeSwitch = (side: 'a' | 'b') => setKernelOverrides({ Native: side === 'a' });
  const rows: Row[] = [];
  const data: Record<string, unknown> = {};
  for (const threads of [1, 2]) {
    addon.setThreads({ threads });
    const parts: [string, ReturnType<typeof ab>][] = [
      ['attention forward + gradient', ab(attention(true), attention(false), reps, () => {})],
      ['dropout multiplier [2048, 256]', ab(dropMask, dropMask, reps * 4, nativeSwitch)],
      ['bias gradient ones·dy [2048, 256]', ab(biasGrad, biasGrad, reps * 4, nativeSwitch)],
    ];
    for (const [name, t] of parts) {
      data[`${name}, ${threads} thread(s)`] = t;
      rows.push({
        figure: `trainparts: ${name}, ${threads} thr, CPU time new/old`,
        fets: fmtMs(t.newCpu),
        reference: fmtMs(t.oldCpu),
        ratio: fmtX(t.newCpu / t.oldCpu),
        goal: '',
        met: '',
      });
      note(`${name}, ${threads} thread(s): wall ${fmtMs(t.newWall)} vs ${fmtMs(t.oldWall)} (${fmtX(t.newWall / t.oldWall)})`);
    }
  }
  tf.dispose([q!, k!, v!, dy!, mask, x, ones]);
  return { rows, data: { shape: { B, L, heads: NH, headDim: D }, rate, parts: data } };
}
