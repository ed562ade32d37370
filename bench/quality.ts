/**
 * The quality figure: does fets learn as well as PyTorch? The default NER recipe (`npm run ner`, bert-mini from
 * scratch, 5 epochs) over several seeds on MIT Movie (engtest as test) and BC5CDR-chem (devel as test, cased
 * vocabulary, maxLen 128), and beside it the same recipe in plain PyTorch (bench/ner_torch.py) on the very samples
 * fets trains on (written here from the recipe's own Pipeline ops: the same WordPiece ids, first-sub-token labels,
 * held-out eval split and windows of long sentences). Both test predictions are scored by fets' SeqEval trace (strict
 * IOB2 over whole sentences, each word from the window that scores it). Each seed runs fets and PyTorch side by side,
 * one thread each. Prints mean ± standard deviation of test F1 per side and the difference with its standard error.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Data, SeqEval, System, initBackend } from '@fets/estimator';
import { BertTokenize, NDArray, type Dataset, type WindowedDataset } from '@fets/pipeline';
import { CHILD_JSON, execAsync, DATA, mean, meanDiff, pm, ROOT, note, std, type FigureResult, type Row } from './common.js';
import { PYTHON, torchEnv, torchMissing } from './torchPeer.js';
import { nerConfigSchema } from '../examples/ner-bert/config.js';
import { buildNer } from '../examples/ner-bert/recipe.js';

/** The data sets of the figure and their recipe flags. */
export const QUALITY_SETS: Record<string, string[]> = {
  'mit-movie': ['--dataset', 'mit-movie'],
  'bc5cdr-chem': ['--dataset', 'bc5cdr-chem', '--maxLen', '128'],
};

export interface QualityOptions {
  sets: string[];
  seeds: number[];
  model: string;
  epochs: number;
  /** Extra flags for the fets side (e.g. `--bucket false`). */
  fetsArgs: string[];
  /** Run the PyTorch side too (false: fets only, e.g. to compare fets settings against a peer measured before). */
  peer: boolean;
}

/** Flags → the recipe's config (the same parse `npm run ner` does). */
function recipeConfig(flags: string[], seed: number, model: string, epochs: number, outDir: string) {
  const kv: Record<string, unknown> = { dataDir: DATA, seed, model, epochs, outDir, checkpoints: false };
  for (let i = 0; i < flags.length; i += 2) {
    const v = flags[i + 1]!;
    kv[flags[i]!.slice(2)] = /^-?\d+(\.\d+)?(e-?\d+)?$/.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return nerConfigSchema.parse(kv);
}

/** One sample as the PyTorch side reads it. */
interface Sample {
  x: number[];
  y: number[];
  wordIds: number[];
  window: number[];
  tags: string[];
}

function samplesOf(ds: Dataset, tokenize: BertTokenize): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < ds.length; i++) {
    const d = ds.get(i);
    const [x, y, wordIds] = tokenize.forward([d.words, d.tags]) as Int32Array[];
    out.push({ x: [...x!], y: [...y!], wordIds: [...wordIds!], window: [...(d.window as Int32Array)], tags: d.tags as string[] });
  }
  return out;
}

/** Writes the samples of one run (its seed decides the eval split) for the PyTorch side; returns the test samples. */
async function exportSamples(
  flags: string[],
  seed: number,
  o: QualityOptions,
  file: string,
): Promise<{ test: Sample[]; labels: string[] }> {
  const cfg = recipeConfig(flags, seed, o.model, o.epochs, path.dirname(file));
  const run = await buildNer(cfg);
  const tokenize = run.pipeline.ops.find((op): op is BertTokenize => op instanceof BertTokenize)!;
  const split = (m: 'train' | 'eval' | 'test') => samplesOf(run.pipeline.data[m] as WindowedDataset, tokenize);
  const bert = run.model as unknown as { config?: Record<string, number> };
  const c = bert.config ?? {};
  const data = {
    config: {
      vocabSize: run.tokenizer.vocabSize,
      hiddenSize: c.hiddenSize,
      layers: c.numHiddenLayers,
      heads: c.numAttentionHeads,
      intermediateSize: c.intermediateSize,
      maxPositions: c.maxPositionEmbeddings,
      dropout: cfg.dropout,
      lr: cfg.lr,
      weightDecay: cfg.weightDecay,
      warmup: cfg.warmup,
      clipNorm: cfg.clipNorm,
      batchSize: cfg.batchSize,
      epochs: cfg.epochs,
    },
    labels: run.splits.labels,
    train: split('train').map((s) => ({ x: s.x, y: s.y })),
    eval: split('eval'),
    test: split('test'),
  };
  if (Object.values(data.config).some((v) => v === undefined))
    throw new Error(`bench quality: incomplete model config ${JSON.stringify(data.config)}`);
  writeFileSync(file, JSON.stringify(data));
  return { test: data.test, labels: data.labels };
}

/** fets' SeqEval (word level, windows stitched) on per-token predictions of the test samples. */
function scoreTest(test: Sample[], preds: number[][], labels: string[]): number {
  const t = new SeqEval({ predKey: 'yPred', wordIdsKey: 'wordIds', tagsKey: 'tags', windowKey: 'window', labels, mode: 'test' });
  t.system = new System({ totalEpochs: 1, mode: 'test' });
  t.onEpochBegin();
  test.forEach((s, i) => {
    const n = s.x.length;
    t.onBatchEnd(
      new Data({
        yPred: new NDArray(Int32Array.from(preds[i]!), [1, n], 'int32'),
        wordIds: new NDArray(Int32Array.from(s.wordIds), [1, n], 'int32'),
        window: new NDArray(Int32Array.from(s.window), [1, 5], 'int32'),
        tags: [s.tags],
      }),
    );
  });
  const end = new Data();
  t.onEpochEnd(end);
  return end.logs.get('f1') as number;
}

export async function run(o: QualityOptions): Promise<FigureResult> {
  const missing = o.peer ? torchMissing() : undefined;
  if (missing) throw new Error(`bench quality: ${missing}`);
  const peer = torchEnv(1);
  // The export builds the recipe (its model too) in this process.
  await initBackend({ quiet: true });
  const rows: Row[] = [];
  const results: Record<string, unknown> = {};
  const work = mkdtempSync(path.join(os.tmpdir(), 'fets-quality-'));
  for (const set of o.sets) {
    const flags = QUALITY_SETS[set];
    if (!flags) throw new Error(`bench quality: unknown set "${set}" (valid: ${Object.keys(QUALITY_SETS).join(', ')})`);
    const runs: {
      seed: number;
      fets: number;
      torch: number;
      fetsSeconds: number;
      fetsHead: string;
      fetsDecode: string;
      fetsInvalidITags: number | null;
      torchSeconds: number;
      torchEvalF1: number[];
    }[] = [];
    for (const seed of o.seeds) {
      const dir = path.join(work, `${set}-${seed}`);
      mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'samples.json');
      const { test, labels } = await exportSamples(flags, seed, o, file);
      note(`quality ${set} seed ${seed}: ${o.peer ? 'fets and PyTorch side by side, one thread each' : 'fets alone, one thread'}`);
      const fetsArgs = [
        '--conditions=fets-source',
        '--import',
        'tsx',
        path.join(ROOT, 'examples', 'ner-bert', 'train.ts'),
        ...flags,
        // The peer's head unless --fets-args says otherwise (the recipe's default is the CRF).
        ...['--head', 'softmax'],
        ...o.fetsArgs,
        ...['--seed', String(seed), '--model', o.model, '--epochs', String(o.epochs), '--outDir', path.join(dir, 'fets')],
        ...['--dataDir', DATA, '--checkpoints', 'false'],
      ];
      const t0 = performance.now();
      const [, torchOut] = await Promise.all([
        execAsync(process.execPath, fetsArgs, { ...process.env, FETS_THREADS: '1', FETS_WASM_THREADS: '1', FETS_QUIET: '1' }).then(
          (out) => ((results[`${set}-${seed}-fetsSeconds`] = (performance.now() - t0) / 1000), out),
        ),
        o.peer
          ? execAsync(
              PYTHON,
              [path.join(ROOT, 'bench', 'ner_torch.py'), '--data', file, '--seed', String(seed), '--threads', '1'],
              peer.env,
            )
          : Promise.resolve(''),
      ]);
      const metrics = JSON.parse(readFileSync(path.join(dir, 'fets', 'metrics.json'), 'utf8')) as {
        f1: number;
        wallSeconds: number;
        head?: string;
        decode?: string;
        invalidITags?: number;
      };
      let t = { testPreds: [] as number[][], seconds: Number.NaN, evalF1: [] as number[] };
      if (o.peer) {
        const line = torchOut.split('\n').find((l) => l.startsWith(CHILD_JSON));
        if (!line) throw new Error(`bench quality: ner_torch.py printed no result line:\n${torchOut.slice(-2000)}`);
        t = JSON.parse(line.slice(CHILD_JSON.length)) as typeof t;
      }
      const torchF1 = o.peer ? scoreTest(test, t.testPreds, labels) : Number.NaN;
      runs.push({
        seed,
        fets: metrics.f1,
        torch: torchF1,
        fetsSeconds: metrics.wallSeconds,
        // The fets side's head and decoding (`--fets-args="--head crf"`) and its IOB2-invalid I- tags on the test split.
        fetsHead: metrics.head ?? 'softmax',
        fetsDecode: metrics.decode ?? 'argmax',
        fetsInvalidITags: metrics.invalidITags ?? null,
        torchSeconds: t.seconds,
        torchEvalF1: t.evalF1,
      });
      note(`quality ${set} seed ${seed}: test F1 fets ${metrics.f1.toFixed(4)}${o.peer ? `, PyTorch ${torchF1.toFixed(4)}` : ''}`);
    }
    const f = runs.map((r) => r.fets);
    const p = runs.map((r) => r.torch);
    const { diff, se } = meanDiff(f, p);
    results[set] = { runs, fets: { mean: mean(f), std: std(f) }, torch: { mean: mean(p), std: std(p) }, diff, se };
    if (!o.peer) {
      rows.push({
        figure: `quality ${set} test F1 (${o.model}, ${o.seeds.length} seeds${o.fetsArgs.length ? `, ${o.fetsArgs.join(' ')}` : ''})`,
        fets: pm(f),
        reference: '(no peer run)',
        ratio: '',
        goal: '',
        met: '',
      });
      continue;
    }
    rows.push({
      figure: `quality ${set} test F1 (${o.model}, ${o.seeds.length} seeds${o.fetsArgs.length ? `, ${o.fetsArgs.join(' ')}` : ''})`,
      fets: pm(f),
      reference: `PyTorch ${pm(p)}`,
      ratio: `${diff >= 0 ? '+' : ''}${diff.toFixed(3)} ± ${se.toFixed(3)}`,
      goal: 'fets mean ≥ PyTorch mean',
      met: diff >= 0 ? 'yes' : 'no',
    });
  }
  rmSync(work, { recursive: true, force: true });
  return { rows, data: { ...results, options: o, openblasCore: peer.core } };
}
