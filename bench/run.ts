/**
 * `npm run bench`: benchmarks (never part of the tests). Prints a short table and writes JSON to bench/results/.
 * Data: FETS_DATA_DIR (default ../shared/datasets); vocabulary from ../vocab next to it.
 * Figures so far: WordPiece + label alignment alone, and the whole Pipeline (ConllDataset → BertTokenize → batches
 * padded to the batch's longest) on MIT Movie train.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AttentionMask, BertTokenize, BertWordPieceTokenizer, NDArray, Pipeline, mitMovie } from '@fets/pipeline';
import { pipelineThroughput } from './pipeline-throughput.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA = process.env.FETS_DATA_DIR ?? path.join(ROOT, '..', 'shared', 'datasets');

/** One epoch of the real NER Pipeline, timed: sentences/s and WordPiece tokens/s (padding excluded). */
async function pipelineEpoch(): Promise<{ sentences: number; tokens: number; seconds: number; sentencesPerSec: number; tokensPerSec: number }> {
  const { train, labels } = await mitMovie.loadData({ rootDir: path.join(DATA, 'mit-movie') });
  const tokenizer = await BertWordPieceTokenizer.fromVocabFile(path.join(DATA, '..', 'vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
  const pipeline = new Pipeline({
    trainData: train,
    batchSize: 32,
    ops: [
      new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels: [...labels.labels], maxLen: 64 }),
      new AttentionMask({ inputs: 'x', outputs: 'xMask' }),
    ],
  });
  let best = { sentences: 0, tokens: 0, seconds: Infinity };
  for (let epoch = 1; epoch <= 3; epoch++) {
    let sentences = 0;
    let tokens = 0;
    const t0 = performance.now();
    for await (const b of pipeline.batches({ mode: 'train', epoch })) {
      const mask = b.xMask as NDArray;
      sentences += mask.shape[0]!;
      for (let i = 0; i < mask.size; i++) tokens += mask.data[i] as number;
    }
    const seconds = (performance.now() - t0) / 1000;
    if (seconds < best.seconds) best = { sentences, tokens, seconds };
  }
  return { ...best, sentencesPerSec: best.sentences / best.seconds, tokensPerSec: best.tokens / best.seconds };
}

const op = await pipelineThroughput();
const epoch = await pipelineEpoch();
const rows: [string, string, string][] = [
  ['WordPiece + alignment (BertTokenize op, warm cache)', `${Math.round(op.sentencesPerSec).toLocaleString()} sent/s`, `${Math.round(op.tokensPerSec).toLocaleString()} tok/s`],
  ['WordPiece + alignment (cache off)', '', `${Math.round(op.uncachedTokensPerSec).toLocaleString()} tok/s`],
  ['Pipeline epoch (tokenize, mask, batch 32, pad to longest)', `${Math.round(epoch.sentencesPerSec).toLocaleString()} sent/s`, `${Math.round(epoch.tokensPerSec).toLocaleString()} tok/s`],
];
console.log('fets bench: pipeline throughput on MIT Movie train (one core, best of several passes)');
for (const [name, a, b] of rows) console.log(`  ${name.padEnd(58)} ${a.padStart(16)} ${b.padStart(18)}`);
console.log(`  goal: ≥ 1,000,000 tokens/s → ${op.tokensPerSec >= 1e6 && epoch.tokensPerSec >= 1e6 ? 'met' : 'not met'}`);
const outDir = path.join(ROOT, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const file = path.join(outDir, `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, op, epoch }, null, 2)}\n`);
console.log(`  wrote ${path.relative(ROOT, file)}`);
