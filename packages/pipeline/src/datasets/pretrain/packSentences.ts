import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { randomInt, seededRandom } from '../../core/random.js';
import { BertWordPieceTokenizer } from '../../text/bertWordPieceTokenizer.js';
import { NumpyDataset } from '../numpyDataset.js';

const packSchema = z.strictObject({
  /** Turns words into WordPiece ids (each word tokenized alone, as `BertTokenize` does). */
  tokenizer: z.instanceof(BertWordPieceTokenizer, { message: 'expected a BertWordPieceTokenizer' }),
  /** Longest sequence, `[CLS]` and `[SEP]` included (default 128, at least 3). */
  maxLen: z.number().int().min(3).default(128),
  /**
   * Chance that a sequence aims at a random shorter length in [2, maxLen - 2] instead (default 0.1), as BERT's
   * `short_seq_prob`: the model also sees short inputs, like the sentences it is later fine-tuned on.
   */
  shortSeqProb: z.number().min(0).max(1).default(0.1),
  /** Seed of the short-length draws (default 0): equal inputs and seed give equal sequences. */
  seed: z.number().int().default(0),
  /** Column name of the sequences (default `'inputIds'`). */
  key: z.string().min(1).default('inputIds'),
});

/** Options of {@link packSentences} (see its schema). */
export type PackSentencesOptions = z.input<typeof packSchema>;

/** What packing did. */
export interface PackStats {
  documents: number;
  sentences: number;
  /** Sequences made (the data set's length). */
  sequences: number;
  /** WordPiece tokens placed, without `[CLS]`/`[SEP]`. */
  tokens: number;
  /** Sentences longer than `maxLen - 2` tokens, cut to that length. */
  truncatedSentences: number;
  /** Tokens lost to that cut. */
  droppedTokens: number;
  /** Sentences that gave no tokens (only whitespace or control characters). */
  emptySentences: number;
  /** Mean sequence length, `[CLS]`/`[SEP]` included. */
  meanLength: number;
}

/**
 * Sequences packed from documents, one `Int32Array` of ids per sample (`[CLS] … [SEP]`, unpadded, length ≤ maxLen),
 * under `key`; `stats` says what packing did. A NumpyDataset, so `split` works.
 */
export class PackedDataset extends NumpyDataset {
  constructor(
    columns: Record<string, Int32Array[]>,
    readonly stats: PackStats,
    readonly maxLen: number,
  ) {
    super(columns);
  }
}

/**
 * Packs consecutive sentences of each document into masked-LM training sequences (Google BERT's
 * `create_pretraining_data.py` without the next-sentence task): sentences of one document are appended greedily while
 * the sequence stays within its target length (`maxLen - 2` content tokens, or with probability `shortSeqProb` a
 * random length in [2, maxLen - 2]); a sentence that does not fit starts the next sequence; a document's last
 * sequence ends with the document (sequences never cross documents). A sentence longer than `maxLen - 2` tokens
 * forms a sequence alone, cut to that length (its tail is dropped). Each sequence is `[CLS]` ids `[SEP]`.
 * Deterministic: the same documents, tokenizer and options give the same sequences.
 *
 * @param documents each document a list of sentences, each a list of words (see `brownDocuments`,
 *   `readTextDocuments`, `conllDocuments`)
 * @example
 * const train = packSentences(brownDocuments(), { tokenizer, maxLen: 64 });
 * train.get(0).inputIds; // Int32Array [101, 1996, 9945, …, 102], at most 64 ids
 * train.stats.sequences;  // about 24,000
 */
export function packSentences(documents: Iterable<readonly (readonly string[])[]>, options: PackSentencesOptions): PackedDataset {
  const o = parseOptions('packSentences', packSchema, options);
  const tok = o.tokenizer;
  const room = o.maxLen - 2;
  const rng = seededRandom(o.seed);
  const drawTarget = () => (o.shortSeqProb > 0 && rng() < o.shortSeqProb ? 2 + randomInt(rng, Math.max(1, room - 1)) : room);
  const sequences: Int32Array[] = [];
  const stats: PackStats = {
    documents: 0,
    sentences: 0,
    sequences: 0,
    tokens: 0,
    truncatedSentences: 0,
    droppedTokens: 0,
    emptySentences: 0,
    meanLength: 0,
  };
  let chunk: number[] = [];
  let target = drawTarget();
  const emit = () => {
    if (chunk.length === 0) return;
    const seq = new Int32Array(chunk.length + 2);
    seq[0] = tok.clsId;
    seq.set(chunk, 1);
    seq[chunk.length + 1] = tok.sepId;
    sequences.push(seq);
    stats.tokens += chunk.length;
    chunk = [];
    target = drawTarget();
  };
  for (const doc of documents) {
    stats.documents++;
    for (const sentence of doc) {
      stats.sentences++;
      let ids: number[] = [];
      for (const word of sentence) for (const id of tok.wordToIds(word)) ids.push(id);
      if (ids.length === 0) {
        stats.emptySentences++;
        continue;
      }
      if (ids.length > room) {
        stats.truncatedSentences++;
        stats.droppedTokens += ids.length - room;
        ids = ids.slice(0, room);
      }
      if (chunk.length > 0 && chunk.length + ids.length > target) emit();
      for (const id of ids) chunk.push(id);
      if (chunk.length >= target) emit();
    }
    emit();
  }
  if (sequences.length === 0) {
    throw new ConfigError(
      'packSentences',
      [],
      `packSentences: the ${stats.documents} documents (${stats.sentences} sentences) gave no tokens`,
    );
  }
  stats.sequences = sequences.length;
  stats.meanLength = (stats.tokens + 2 * sequences.length) / sequences.length;
  return new PackedDataset({ [o.key]: sequences }, stats, o.maxLen);
}
