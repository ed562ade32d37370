/**
 * Figure 3, pipeline throughput on MIT Movie train (one core, best of several passes): WordPiece + label alignment
 * alone (the BertTokenize op, bench/pipeline-throughput.ts), and the whole Pipeline (ConllDataset → BertTokenize →
 * AttentionMask → batches of 32 padded to the batch's longest). Goal: ≥ 1,000,000 tokens/s for both.
 */
import path from 'node:path';
import { AttentionMask, BertTokenize, BertWordPieceTokenizer, type NDArray, Pipeline, mitMovie } from '@fets/pipeline';
import { pipelineThroughput } from './pipeline-throughput.js';
import { DATA, VOCAB, fmtInt, type FigureResult } from './common.js';

/** One epoch of the real NER Pipeline, timed (best of 3): sentences/s and WordPiece tokens/s (padding excluded). */
export async function pipelineEpoch(): Promise<{
  sentences: number;
  tokens: number;
  seconds: number;
  sentencesPerSec: number;
  tokensPerSec: number;
}> {
  const { train, labels } = await mitMovie.loadData({ rootDir: path.join(DATA, 'mit-movie') });
  const tokenizer = await BertWordPieceTokenizer.fromVocabFile(VOCAB, { lowercase: true });
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

export async function run(): Promise<FigureResult> {
  const op = await pipelineThroughput();
  const epoch = await pipelineEpoch();
  const row = (figure: string, sent: number, tok: number) => ({
    figure,
    fets: `${fmtInt(tok)} tok/s`,
    reference: `${fmtInt(sent)} sent/s`,
    ratio: '',
    goal: '≥ 1,000,000 tok/s',
    met: tok >= 1e6 ? 'yes' : 'no',
  });
  return {
    rows: [
      row('pipeline: WordPiece + alignment (BertTokenize, warm cache)', op.sentencesPerSec, op.tokensPerSec),
      {
        ...row('pipeline: WordPiece + alignment (cache off)', op.sentences / op.seconds, op.uncachedTokensPerSec),
        reference: '',
        goal: '',
        met: '',
      },
      row('pipeline: epoch (tokenize, mask, batch 32, pad to longest)', epoch.sentencesPerSec, epoch.tokensPerSec),
    ],
    data: { op, epoch },
  };
}
