/**
 * `npm run bench -- predict`: sentences per second tagging MIT Movie's engtest.bio (2,443 sentences, batches of 32)
 * with fets predict's tagger (fets' BERT on wasm + native kernels), with the same tagger on the exported model.onnx in
 * onnxruntime-node, and with transformers.js' token-classification pipeline on the folder; at 1 and 2 threads. Each
 * side runs in its own process (bench/predict-run.ts), one after the other.
 *
 * The model: `--model-dir <folder>` (a model folder with model.onnx: `fets export <folder> --format onnx`), else a
 * randomly initialised BERT of the `--model` preset (default mini: 4 layers, hidden 256) with MIT Movie's labels and
 * bert-base-uncased's vocabulary, written as a model folder (maxLen 48, as the ner-bert recipe) to a temporary
 * folder and exported (throughput does not depend on training).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as fe from '@fets/estimator';
import { DATA, VOCAB, fmtInt, fmtX, note, runChild, type FigureResult, type Row } from './common.js';

export interface PredictBenchOptions {
  /** A model folder to use as it is. */
  modelDir?: string;
  /** BERT preset of the random model when no folder is given. */
  model: string;
  threads: number[];
  passes: number;
}

interface Side {
  runtime: string;
  threads: number;
  sentences: number;
  seconds: number[];
  sentencesPerSec: number;
}

async function randomFolder(preset: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-bench-predict-'));
  const { labels } = await fe.dataset.mitMovie.loadData({ rootDir: path.join(DATA, 'mit-movie') });
  const tokenizer = await fe.text.BertWordPieceTokenizer.fromVocabFile(VOCAB, { lowercase: true });
  const model = fe.architecture.bertForTokenClassification(
    fe.architecture.bertPreset(preset, { vocabSize: tokenizer.vocabSize, id2label: [...labels.labels], seed: 0 }),
  );
  // As the ner-bert recipe's BestModelSaver writes it (maxLen 48), then `fets export <folder> --format onnx`.
  const tokenize = new fe.op.BertTokenize({
    inputs: ['words', 'tags'],
    outputs: ['x', 'y'],
    tokenizer,
    labels: [...labels.labels],
    maxLen: 48,
  });
  await fe.saveModelFolder(dir, model, { tokenize });
  model.dispose();
  const err: string[] = [];
  if ((await fe.runCli(['export', dir, '--format', 'onnx'], { out: () => {}, err: (t) => void err.push(t) })) !== 0) {
    throw new Error(`bench: predict: fets export --format onnx failed: ${err.join('\n')}`);
  }
  return dir;
}

export async function run(o: PredictBenchOptions): Promise<FigureResult> {
  await fe.initBackend();
  const folder = o.modelDir ?? (await randomFolder(o.model));
  const sides: Side[] = [];
  try {
    for (const threads of o.threads) {
      for (const runtime of ['fets', 'onnxruntime', 'transformers.js']) {
        note(`predict: ${runtime}, ${threads} thread(s)`);
        const r = runChild(
          'predict-run.ts',
          ['--runtime', runtime, '--folder', folder, '--threads', String(threads), '--passes', String(o.passes)],
          {
            FETS_THREADS: String(threads),
          },
        ) as Side;
        sides.push(r);
      }
    }
  } finally {
    if (!o.modelDir) await rm(folder, { recursive: true, force: true });
  }
  const rows: Row[] = [];
  for (const threads of o.threads) {
    const of = (runtime: string) => sides.find((s) => s.runtime === runtime && s.threads === threads)!;
    const fets = of('fets');
    for (const peer of ['onnxruntime', 'transformers.js']) {
      const p = of(peer);
      rows.push({
        figure: `predict (${o.modelDir ? 'model folder' : o.model}), ${threads} thread${threads > 1 ? 's' : ''}: fets vs ${peer === 'onnxruntime' ? 'onnxruntime-node' : peer}`,
        fets: `${fmtInt(fets.sentencesPerSec)} sent/s`,
        reference: `${fmtInt(p.sentencesPerSec)} sent/s`,
        ratio: fmtX(fets.sentencesPerSec / p.sentencesPerSec),
        goal: '',
        met: '',
      });
    }
  }
  return { rows, data: { model: o.modelDir ? path.relative(process.cwd(), o.modelDir) : o.model, sides } };
}
