/**
 * Threaded vs single-thread wasm on a BERT-like training step, plus the wasm kernel micro-benchmark.
 * `node --conditions=fets-source --import tsx bench/wasm-threads.ts` runs itself once per setting in a child process
 * (the wasm build and its thread count are fixed per process) and prints median step times.
 *
 * The step: batch 32 × 64 tokens, 30,522-row embedding, L layers of hidden H with 4 heads and a 4H feed-forward
 * (GELU erf), LayerNorm, a 13-way token classifier, softmax cross-entropy, Adam; written with core ops only.
 * Sizes: tiny (L=2, H=128), mini (L=4, H=256).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend, setKernelOverrides } from '@fets/network';
import { benchmarkKernels } from './kernelCases.js';

const SIZES = { tiny: { layers: 2, hidden: 128 }, mini: { layers: 4, hidden: 256 } } as const;

function bertStep(layers: number, hidden: number, batch = 32, seq = 64, vocab = 30522, labels = 13) {
  const heads = 4;
  const dh = hidden / heads;
  const init = (shape: number[]) => tf.variable(tf.randomNormal(shape, 0, 0.02));
  const zeros = (shape: number[]) => tf.variable(tf.zeros(shape));
  const emb = init([vocab, hidden]);
  const blocks = Array.from({ length: layers }, () => ({
    wq: init([hidden, hidden]),
    bq: zeros([hidden]),
    wk: init([hidden, hidden]),
    bk: zeros([hidden]),
    wv: init([hidden, hidden]),
    bv: zeros([hidden]),
    wo: init([hidden, hidden]),
    bo: zeros([hidden]),
    g1: tf.variable(tf.ones([hidden])),
    b1: zeros([hidden]),
    w1: init([hidden, 4 * hidden]),
    c1: zeros([4 * hidden]),
    w2: init([4 * hidden, hidden]),
    c2: zeros([hidden]),
    g2: tf.variable(tf.ones([hidden])),
    b2: zeros([hidden]),
  }));
  const wc = init([hidden, labels]);
  const bc = zeros([labels]);
  const ln = (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(1e-12).sqrt()).mul(g).add(b) as tf.Tensor2D;
  };
  const dense = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor) => tf.matMul(x, w as tf.Tensor2D).add(b) as tf.Tensor2D;
  const split = (x: tf.Tensor2D) => x.reshape([batch, seq, heads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  const gelu = (x: tf.Tensor2D) => x.mul(tf.erf(x.div(Math.SQRT2)).add(1)).mul(0.5) as tf.Tensor2D;
  const ids = tf.randomUniform([batch * seq], 0, vocab, 'int32') as tf.Tensor1D;
  const y = tf.oneHot(tf.randomUniform([batch * seq], 0, labels, 'int32') as tf.Tensor1D, labels);
  const opt = tf.train.adam(1e-4);
  return () => {
    const loss = opt.minimize(() => {
      let h = tf.gather(emb, ids) as tf.Tensor2D;
      for (const p of blocks) {
        const q = split(dense(h, p.wq, p.bq));
        const k = split(dense(h, p.wk, p.bk));
        const v = split(dense(h, p.wv, p.bv));
        const att = tf.softmax(tf.matMul(q, k, false, true).div(Math.sqrt(dh)));
        const ctx = tf
          .matMul(att, v)
          .transpose([0, 2, 1, 3])
          .reshape([batch * seq, hidden]) as tf.Tensor2D;
        h = ln(h.add(dense(ctx, p.wo, p.bo)), p.g1, p.b1);
        h = ln(h.add(dense(gelu(dense(h, p.w1, p.c1)), p.w2, p.c2)), p.g2, p.b2);
      }
      return tf.losses.softmaxCrossEntropy(y, dense(h, wc, bc)) as tf.Scalar;
    }, true);
    loss!.dataSync();
    loss!.dispose();
  };
}

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function child() {
  const info = await initBackend({ quiet: true });
  if (process.env.FETS_BENCH_KERNELS === 'off') setKernelOverrides({ BatchMatMulBatched: false, Sum: false, BatchMatMulTranspose: false });
  const result: Record<string, unknown> = { threads: info.threads };
  for (const [name, { layers, hidden }] of Object.entries(SIZES)) {
    const step = bertStep(layers, hidden);
    const ts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t0 = performance.now();
      step();
      if (i >= 2) ts.push(performance.now() - t0);
    }
    result[name] = Math.round(median(ts));
  }
  if (process.env.FETS_BENCH_MICRO) {
    result.kernels = (await benchmarkKernels()).map((r) => ({
      kernel: r.kernel,
      case: r.case,
      originalGflops: +r.originalGflops.toFixed(2),
      replacedGflops: +r.replacedGflops.toFixed(2),
      speedup: +r.speedup.toFixed(1),
    }));
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.env.FETS_BENCH_CHILD) {
  await child();
} else {
  const self = fileURLToPath(import.meta.url);
  const runs = [
    { FETS_WASM_THREADS: '1' },
    { FETS_WASM_THREADS: '2' },
    { FETS_WASM_THREADS: '1' },
    { FETS_WASM_THREADS: '2' },
    { FETS_WASM_THREADS: '1', FETS_BENCH_KERNELS: 'off' },
  ];
  for (const env of runs) {
    const out = execFileSync(process.execPath, ['--conditions=fets-source', '--import', 'tsx', self], {
      env: { ...process.env, ...env, FETS_BENCH_CHILD: '1' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    console.log(JSON.stringify(env), out.trim().split('\n').pop());
  }
}
