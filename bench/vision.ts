/**
 * The vision figure: FastEstimator's tutorial 1 (LeNet on MNIST, examples/mnist) in fets and in PyTorch
 * (bench/lenet_torch.py), side by side on one thread each, on the very same split of the npm package's 10,000 digits
 * (written here from the recipe's own loader), without augmentation so that both see the same data, over several
 * seeds: test accuracy of the best eval epoch (mean ± std) and seconds per training epoch (median over all epochs).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NDArray } from '@fets/pipeline';
import { CHILD_JSON, execAsync, ROOT, fmtX, mean, meanDiff, median, note, pm, std, type FigureResult } from './common.js';
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

/** One seed: both sides at once, one thread each. */
async function oneSeed(work: string, file: string, epochs: number, seed: number, peer: ReturnType<typeof torchEnv> | undefined) {
  const outDir = path.join(work, `fets-${seed}`);
  const fetsArgs = ['--conditions=fets-source', '--import', 'tsx', path.join(ROOT, 'examples', 'mnist', 'train.ts')];
  const flags = ['--epochs', String(epochs), '--seed', String(seed), '--rotate', '0', '--translate', '0', '--outDir', outDir];
  const [fetsOut, torchOut] = await Promise.all([
    execAsync(process.execPath, [...fetsArgs, ...flags], { ...process.env, FETS_THREADS: '1', FETS_WASM_THREADS: '1', FETS_QUIET: '1' }),
    peer
      ? execAsync(
          PYTHON,
          [path.join(ROOT, 'bench', 'lenet_torch.py'), '--data', file, '--epochs', String(epochs), '--seed', String(seed)],
          peer.env,
        )
      : Promise.resolve(''),
  ]);
  const fets = JSON.parse(readFileSync(path.join(outDir, 'metrics.json'), 'utf8')) as { accuracy: number };
  const fetsEpochs = [...fetsOut.matchAll(/FastEstimator-Train: step: \d+; epoch: \d+; epoch_time\(sec\): ([\d.]+)/g)].map((m) =>
    Number(m[1]),
  );
  if (!peer) return { seed, fets: fets.accuracy, fetsEpochs };
  const line = torchOut.split('\n').find((l) => l.startsWith(CHILD_JSON));
  if (!line) throw new Error(`bench vision: lenet_torch.py printed no result line:\n${torchOut.slice(-2000)}`);
  const t = JSON.parse(line.slice(CHILD_JSON.length)) as { testAccuracy: number; epochSeconds: number[]; evalAccuracy: number[] };
  return { seed, fets: fets.accuracy, fetsEpochs, torch: t.testAccuracy, torchEpochs: t.epochSeconds, torchEval: t.evalAccuracy };
}

export async function run(o: { epochs: number; seeds: number[] }): Promise<FigureResult> {
  const missing = torchMissing();
  const peer = missing ? undefined : torchEnv(1);
  const work = mkdtempSync(path.join(os.tmpdir(), 'fets-vision-'));
  // The recipe's own split (fixed by splitSeed, the same for every seed), written for the PyTorch side.
  const cfg = mnistConfigSchema.parse({ epochs: o.epochs, rotate: 0, translate: 0 });
  const split = await loadMnist(cfg);
  const file = path.join(work, 'digits.json');
  writeFileSync(file, JSON.stringify({ train: bytesOf(split.train), eval: bytesOf(split.evalData), test: bytesOf(split.test) }));
  note(
    `vision: LeNet on the npm digits (${split.train.length} train), ${o.epochs} epochs, seeds ${o.seeds.join(', ')}, fets and PyTorch side by side, one thread each`,
  );
  const runs = [];
  for (const seed of o.seeds) {
    const r = await oneSeed(work, file, o.epochs, seed, peer);
    note(`vision: seed ${seed}: fets ${r.fets.toFixed(4)}${r.torch !== undefined ? `, PyTorch ${r.torch.toFixed(4)}` : ''}`);
    runs.push(r);
  }
  rmSync(work, { recursive: true, force: true });
  const f = runs.map((r) => r.fets);
  const fetsEpoch = median(runs.flatMap((r) => r.fetsEpochs));
  const label = `(npm digits, ${o.epochs} epochs, no augmentation, ${o.seeds.length} seeds)`;
  if (!peer) {
    note(missing!);
    return {
      rows: [{ figure: `vision LeNet test accuracy ${label}`, fets: pm(f, 4), reference: '(no PyTorch)', ratio: '', goal: '', met: '' }],
      data: { runs, fets: { mean: mean(f), std: std(f), epochSeconds: fetsEpoch } },
    };
  }
  const p = runs.map((r) => r.torch!);
  const torchEpoch = median(runs.flatMap((r) => r.torchEpochs!));
  const { diff, se } = meanDiff(f, p);
  return {
    rows: [
      {
        figure: `vision LeNet test accuracy ${label}`,
        fets: pm(f, 4),
        reference: `PyTorch ${pm(p, 4)}`,
        ratio: `${diff >= 0 ? '+' : ''}${diff.toFixed(4)} ± ${se.toFixed(4)}`,
        goal: 'fets mean ≥ PyTorch mean',
        met: diff >= 0 ? 'yes' : 'no',
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
      runs,
      fets: { mean: mean(f), std: std(f), epochSeconds: fetsEpoch },
      torch: { mean: mean(p), std: std(p), epochSeconds: torchEpoch },
      diff,
      se,
      openblasCore: peer.core,
    },
  };
}
