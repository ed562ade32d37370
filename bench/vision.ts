/**
 * The vision figure: FastEstimator's tutorial 1 (LeNet on MNIST, examples/mnist) in fets and in PyTorch
 * (bench/lenet_torch.py), side by side on one thread each, on the very same split of the npm package's 10,000 digits
 * (written here from the recipe's own loader), without augmentation so that both see the same data: test accuracy of
 * the best eval epoch and seconds per training epoch.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NDArray } from '@fets/pipeline';
import { CHILD_JSON, execAsync, ROOT, fmtX, median, note, type FigureResult } from './common.js';
import { PYTHON, torchEnv, torchMissing } from './torchPeer.js';
import { mnistConfigSchema } from '../examples/mnist/config.js';
import { loadMnist } from '../examples/mnist/recipe.js';

/** A split as base64 bytes and labels. */
function bytesOf(ds: { length: number; get(i: number): Record<string, unknown> }) {
  const px = new Uint8Array(ds.length * 784);
  const labels: number[] = [];
  for (let i = 0; i < ds.length; i++) {
    const s = ds.get(i);
    px.set((s.x as NDArray).data as Int32Array, i * 784);
    labels.push(s.y as number);
  }
  return { pixels: Buffer.from(px).toString('base64'), labels };
}

export async function run(o: { epochs: number; seed: number }): Promise<FigureResult> {
  const missing = torchMissing();
  const work = mkdtempSync(path.join(os.tmpdir(), 'fets-vision-'));
  const cfg = mnistConfigSchema.parse({ seed: o.seed, epochs: o.epochs, rotate: 0, translate: 0, outDir: path.join(work, 'fets') });
  const split = await loadMnist(cfg);
  const file = path.join(work, 'digits.json');
  writeFileSync(file, JSON.stringify({ train: bytesOf(split.train), eval: bytesOf(split.evalData), test: bytesOf(split.test) }));
  note(`vision: LeNet on the npm digits (${split.train.length} train), ${o.epochs} epochs, fets and PyTorch side by side, one thread each`);
  const fetsArgs = ['--conditions=fets-source', '--import', 'tsx', path.join(ROOT, 'examples', 'mnist', 'train.ts')];
  const flags = ['--epochs', String(o.epochs), '--seed', String(o.seed), '--rotate', '0', '--translate', '0', '--outDir', cfg.outDir];
  const peer = torchEnv(1);
  const [fetsOut, torchOut] = await Promise.all([
    execAsync(process.execPath, [...fetsArgs, ...flags], { ...process.env, FETS_THREADS: '1', FETS_WASM_THREADS: '1', FETS_QUIET: '1' }),
    missing
      ? Promise.resolve('')
      : execAsync(
          PYTHON,
          [path.join(ROOT, 'bench', 'lenet_torch.py'), '--data', file, '--epochs', String(o.epochs), '--seed', String(o.seed)],
          peer.env,
        ),
  ]);
  const metrics = JSON.parse(readFileSync(path.join(cfg.outDir, 'metrics.json'), 'utf8')) as { accuracy: number };
  const epochTimes = [...fetsOut.matchAll(/FastEstimator-Train: step: \d+; epoch: \d+; epoch_time\(sec\): ([\d.]+)/g)].map((m) =>
    Number(m[1]),
  );
  const fetsEpoch = median(epochTimes);
  rmSync(work, { recursive: true, force: true });
  if (missing) {
    note(missing);
    return {
      rows: [
        {
          figure: 'vision LeNet test accuracy',
          fets: metrics.accuracy.toFixed(4),
          reference: '(no PyTorch)',
          ratio: '',
          goal: '≥ 0.985',
          met: metrics.accuracy >= 0.985 ? 'yes' : 'no',
        },
      ],
      data: { fets: { accuracy: metrics.accuracy, epochSeconds: epochTimes } },
    };
  }
  const line = torchOut.split('\n').find((l) => l.startsWith(CHILD_JSON));
  if (!line) throw new Error(`bench vision: lenet_torch.py printed no result line:\n${torchOut.slice(-2000)}`);
  const t = JSON.parse(line.slice(CHILD_JSON.length)) as { testAccuracy: number; epochSeconds: number[]; evalAccuracy: number[] };
  const torchEpoch = median(t.epochSeconds);
  return {
    rows: [
      {
        figure: `vision LeNet test accuracy (npm digits, ${o.epochs} epochs, no augmentation)`,
        fets: metrics.accuracy.toFixed(4),
        reference: `PyTorch ${t.testAccuracy.toFixed(4)}`,
        ratio: `${(metrics.accuracy - t.testAccuracy >= 0 ? '+' : '') + (metrics.accuracy - t.testAccuracy).toFixed(4)}`,
        goal: 'fets ≥ PyTorch',
        met: metrics.accuracy >= t.testAccuracy ? 'yes' : 'no',
      },
      {
        figure: 'vision LeNet seconds per epoch (1 thread each)',
        fets: `${fetsEpoch.toFixed(2)} s`,
        reference: `PyTorch ${torchEpoch.toFixed(2)} s`,
        ratio: fmtX(fetsEpoch / torchEpoch),
        goal: '≤ 1.00×',
        met: fetsEpoch <= torchEpoch ? 'yes' : 'no',
      },
    ],
    data: {
      fets: { accuracy: metrics.accuracy, epochSeconds: epochTimes },
      torch: { accuracy: t.testAccuracy, epochSeconds: t.epochSeconds, evalAccuracy: t.evalAccuracy },
      openblasCore: peer.core,
    },
  };
}
