/**
 * The conv figure: 2-D convolution forward, input gradient and filter gradient on LeNet's and ResNet9's shapes
 * (batch 32, NHWC), fets on wasm (im2col + the native GEMM) against PyTorch (bench/conv_torch.py, NCHW) at the same
 * thread count, in GFLOP/s (2·B·outH·outW·kH·kW·Cin·Cout per pass).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, setNativeThreads } from '@fets/network';
import { CHILD_JSON, ROOT, fmtX, nativeRecord, note, timeKernel, type FigureResult, type Row } from './common.js';
import { PYTHON, torchEnv, torchMissing } from './torchPeer.js';

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: number;
  co: number;
  pad: 'same' | 'valid';
}

export const CONV_CASES: ConvCase[] = [
  { name: 'LeNet conv1', x: [32, 28, 28, 1], k: 3, co: 32, pad: 'valid' },
  { name: 'LeNet conv2', x: [32, 13, 13, 32], k: 3, co: 64, pad: 'valid' },
  { name: 'LeNet conv3', x: [32, 5, 5, 64], k: 3, co: 64, pad: 'valid' },
  { name: 'ResNet9 prep', x: [32, 32, 32, 3], k: 3, co: 64, pad: 'same' },
  { name: 'ResNet9 layer1', x: [32, 32, 32, 64], k: 3, co: 128, pad: 'same' },
  { name: 'ResNet9 res1', x: [32, 16, 16, 128], k: 3, co: 128, pad: 'same' },
  { name: 'ResNet9 layer2', x: [32, 16, 16, 128], k: 3, co: 256, pad: 'same' },
  { name: 'ResNet9 layer3', x: [32, 8, 8, 256], k: 3, co: 512, pad: 'same' },
  { name: 'ResNet9 res3', x: [32, 4, 4, 512], k: 3, co: 512, pad: 'same' },
];

function flops(c: ConvCase): number {
  const [b, h, w, ci] = c.x;
  const oh = c.pad === 'same' ? h : h - c.k + 1;
  const ow = c.pad === 'same' ? w : w - c.k + 1;
  return 2 * b * oh * ow * c.k * c.k * ci * c.co;
}

export async function run(o: { reps: number; threads: number; quick: boolean }): Promise<FigureResult> {
  await initBackend({ quiet: true });
  // The addon may have loaded (with every CPU) before this figure ran: set its pool to the asked thread count.
  setNativeThreads(o.threads);
  const native = nativeRecord();
  const cases = o.quick ? CONV_CASES.filter((c) => c.name.startsWith('LeNet')) : CONV_CASES;
  const fets = cases.map((c) =>
    tf.tidy(() => {
      const x = tf.randomNormal(c.x) as tf.Tensor4D;
      const w = tf.randomNormal([c.k, c.k, c.x[3], c.co]) as tf.Tensor4D;
      const y = tf.conv2d(x, w, 1, c.pad);
      const dy = tf.randomNormal(y.shape);
      const attrs = { strides: 1, pad: c.pad, dataFormat: 'NHWC', dilations: 1 };
      return {
        forward: timeKernel(() => tf.conv2d(x, w, 1, c.pad), o.reps, 2),
        inputGrad: timeKernel(
          () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: c.x } as never) as tf.Tensor,
          o.reps,
          2,
        ),
        filterGrad: timeKernel(
          () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape } as never) as tf.Tensor,
          o.reps,
          2,
        ),
      };
    }),
  );
  const missing = torchMissing();
  let torch: { forward: number; inputGrad: number; filterGrad: number }[] | undefined;
  if (missing) note(missing);
  else {
    const peer = torchEnv(o.threads);
    const out = execFileSync(
      PYTHON,
      [
        path.join(ROOT, 'bench', 'conv_torch.py'),
        '--cases',
        JSON.stringify(cases),
        '--reps',
        String(o.reps),
        '--threads',
        String(o.threads),
      ],
      { env: peer.env, encoding: 'utf8' },
    );
    const line = out.split('\n').find((l) => l.startsWith(CHILD_JSON))!;
    const parsed = JSON.parse(line.slice(CHILD_JSON.length)) as { rows: typeof torch; threadsUsed: number };
    torch = parsed.rows;
    if (parsed.threadsUsed !== o.threads) note(`conv: PyTorch reports ${parsed.threadsUsed} threads, asked for ${o.threads}`);
  }
  const rows: Row[] = [];
  cases.forEach((c, i) => {
    for (const pass of ['forward', 'inputGrad', 'filterGrad'] as const) {
      const f = fets[i]![pass];
      const t = torch?.[i]?.[pass];
      const g = (ms: number) => `${(flops(c) / ms / 1e6).toFixed(1)} GFLOP/s`;
      rows.push({
        figure: `conv ${c.name} ${pass} (${o.threads} thread${o.threads > 1 ? 's' : ''})`,
        fets: g(f),
        reference: t === undefined ? '' : `PyTorch ${g(t)}`,
        ratio: t === undefined ? '' : fmtX(f / t),
        goal: '',
        met: '',
      });
    }
  });
  return { rows, data: { cases, fets, torch, threads: o.threads, native } };
}
