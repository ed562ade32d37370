/**
 * One side of `npm run bench -- predict`, in its own process (so thread pools do not mix): tags MIT Movie's
 * engtest.bio with one runtime and prints sentences/s as a {@link CHILD_JSON} line.
 *
 *   node --conditions=fets-source --import tsx bench/predict-run.ts --runtime fets|onnxruntime|transformers.js \
 *     --folder <model folder with model.onnx> --threads N [--passes 3] [--batch-size 32]
 *
 * - fets: `fets predict <folder>`'s tagger (TokenTagger.load: the folder's BertTokenize, maxLen and windows; its BERT
 *   on the wasm backend with the native kernels, FETS_THREADS threads);
 * - onnxruntime: the same tagger with model.onnx on onnxruntime-node (N intra-op threads) as its Network;
 * - transformers.js: transformers.js' token-classification pipeline on the folder (its tokenizer, onnxruntime-node).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as fe from '@fets/estimator';
import { OnnxNetwork } from '../examples/ner-onnx/onnxNetwork.js';
import { TransformersJsTagger } from '../examples/ner-onnx/transformersJsTagger.js';
import { CHILD_JSON, DATA, median } from './common.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string' },
    folder: { type: 'string' },
    threads: { type: 'string', default: '1' },
    passes: { type: 'string', default: '3' },
    'batch-size': { type: 'string', default: '32' },
  },
});
const runtime = values.runtime as 'fets' | 'onnxruntime' | 'transformers.js';
if (!['fets', 'onnxruntime', 'transformers.js'].includes(runtime)) throw new Error(`predict-run: --runtime: unknown "${runtime}"`);
const folder = values.folder!;
const threads = Number(values.threads);
const passes = Number(values.passes);
const batchSize = Number(values['batch-size']);

const sentences = readFileSync(path.join(DATA, 'mit-movie', 'engtest.bio'), 'utf8')
  .replace(/\r\n/g, '\n')
  .trim()
  .split('\n\n')
  .map((b) => b.split('\n').map((l) => l.split('\t')[1]!));

let tag: (batch: string[][]) => Promise<unknown>;
let info: Record<string, unknown> = {};
if (runtime === 'fets') {
  info = { backend: await fe.initBackend() };
  const tagger = await fe.TokenTagger.load(folder);
  tag = (b) => tagger.tag(b);
} else if (runtime === 'onnxruntime') {
  await fe.initBackend(); // the folder's model is loaded (and checked) before the ONNX session replaces it
  const loaded = await fe.TokenTagger.load(folder);
  const net = await OnnxNetwork.load(path.join(folder, 'model.onnx'), { threads });
  const tagger = new fe.TokenTagger(loaded.pipeline, net as unknown as fe.Network, loaded.options);
  loaded.dispose();
  tag = (b) => tagger.tag(b);
} else {
  const tjs = await TransformersJsTagger.load(folder, { threads, batchSize });
  tag = (b) => tjs.tag(b);
}

async function pass(list: string[][]): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < list.length; i += batchSize) await tag(list.slice(i, i + batchSize));
  return (performance.now() - t0) / 1000;
}

await pass(sentences.slice(0, 4 * batchSize)); // warm-up: sessions, kernels, caches
const seconds: number[] = [];
for (let p = 0; p < passes; p++) seconds.push(await pass(sentences));
const s = median(seconds);
console.log(
  `${CHILD_JSON}${JSON.stringify({ runtime, threads, sentences: sentences.length, seconds, sentencesPerSec: sentences.length / s, batchSize, ...info })}`,
);
