import { z } from 'zod';
import type { World } from '@fets/network';
import type { Data } from '../../core/data.js';
import { MetricInputError, asNDArray, predictedIds } from './labels.js';

/** A whole sentence put back together: its source index, words (when given), gold and predicted tag per word. */
export interface SentenceTags {
  index: number;
  words: string[] | undefined;
  gold: string[];
  pred: string[];
}

/** One row of a batch, read at word level. */
export interface WordRow {
  /** Predicted class id of each token. */
  pred: ArrayLike<number>;
  /** Word index of each token within the row's words (-1: special token or padding). */
  wordIds: ArrayLike<number>;
  /** Gold tag of each word of the row. */
  gold: readonly unknown[];
  /** The row's words, when the words are kept (TagPredictions). */
  words?: readonly unknown[] | undefined;
  /** The window record `[sentence, start, ownStart, ownEnd, words]` (WindowedDataset), if the data is windowed. */
  window?: ArrayLike<number> | undefined;
}

interface Building {
  gold: (string | undefined)[];
  pred: string[];
  words: string[] | undefined;
  missing: number;
}

/**
 * Puts whole sentences back together from the rows of an epoch, at word level: each word's prediction is that of its
 * first sub-token (the position BertTokenize labels), its gold tag is the data set's own (so a word without any
 * sub-token still counts, predicted `O`). With window records (WindowedDataset), each word comes from the window that
 * scores it (the one giving it the most context), so every word of every sentence is scored exactly once. Used by
 * SeqEval and TagPredictions.
 *
 * @example
 * const acc = new SentenceAssembler(labels, 'SeqEval');
 * acc.add({ pred, wordIds, gold: ['B-ACTOR', 'I-ACTOR'], window });
 * acc.sentences(); // [{ index: 0, gold: [...], pred: [...] }, ...] in source order
 */
export class SentenceAssembler {
  private readonly open = new Map<number, Building>();
  private rows = 0;
  /** Whether rows carried window records (sentence keys are source indices, not row counts). */
  private windowed = false;

  constructor(
    readonly labels: readonly string[],
    /** Named in errors. */
    readonly owner: string,
  ) {}

  /** Adds one row (one sentence, or one window of one). */
  add(row: WordRow): void {
    const w = row.window;
    const sentence = w ? w[0]! : this.rows;
    this.rows++;
    if (w) this.windowed = true;
    const start = w ? w[1]! : 0;
    const n = w ? w[4]! : row.gold.length;
    const [ownStart, ownEnd] = w ? [w[2]!, w[3]!] : [0, n];
    let s = this.open.get(sentence);
    if (!s) {
      s = {
        gold: new Array(n).fill(undefined),
        pred: new Array(n).fill('O'),
        words: row.words ? new Array(n).fill('') : undefined,
        missing: n,
      };
      this.open.set(sentence, s);
    }
    if (ownEnd - start > row.gold.length) {
      throw new MetricInputError(this.owner, 'tags', `a row scores words up to ${ownEnd - start} but holds ${row.gold.length} tags`);
    }
    for (let i = ownStart; i < ownEnd; i++) {
      if (s.gold[i] === undefined) s.missing--;
      s.gold[i] = String(row.gold[i - start]);
      if (s.words) s.words[i] = String(row.words![i - start]);
    }
    const ids = row.wordIds;
    for (let p = 0; p < ids.length; p++) {
      const wid = ids[p]!;
      if (wid < 0 || (p > 0 && ids[p - 1] === wid)) continue;
      const i = start + wid;
      if (i < ownStart || i >= ownEnd) continue;
      const label = this.labels[row.pred[p]!];
      if (label === undefined) {
        throw new MetricInputError(this.owner, 'pred', `class id ${row.pred[p]} is not an index into labels (${this.labels.length})`);
      }
      s.pred[i] = label;
    }
  }

  /** The complete sentences so far, in source order (empty ones, and any some of whose windows never came, left out). */
  sentences(): SentenceTags[] {
    return [...this.open.entries()]
      .filter(([, s]) => s.missing === 0 && s.gold.length > 0)
      .sort((a, b) => a[0] - b[0])
      .map(([index, s]) => ({ index, words: s.words, gold: s.gold as string[], pred: s.pred }));
  }

  /**
   * Data-parallel: gathers every rank's (partial) sentences so that each rank holds them all. With window records
   * the keys are source indices and the windows of one sentence, read on different ranks, join; without, row k of
   * rank r becomes row k·size + r (the order of one process over strided shards).
   */
  mergeAcrossRanks(world: World): void {
    if (world.size === 1) return;
    const mine = {
      windowed: this.windowed,
      rows: this.rows,
      entries: [...this.open.entries()].map(([k, b]) => [k, b.gold, b.pred, b.words ?? null] as const),
    };
    const all = world.allgatherJson(mine);
    this.open.clear();
    this.rows = 0;
    all.forEach((part, r) => {
      this.rows += part.rows;
      this.windowed ||= part.windowed;
      for (const [k, gold, pred, words] of part.entries) {
        const key = part.windowed ? k : k * world.size + r;
        let s = this.open.get(key);
        if (!s) {
          s = {
            gold: new Array(gold.length).fill(undefined),
            pred: new Array(gold.length).fill('O'),
            words: words ? [] : undefined,
            missing: gold.length,
          };
          this.open.set(key, s);
        }
        gold.forEach((g, i) => {
          if (g === null || g === undefined || s.gold[i] !== undefined) return;
          s.gold[i] = g;
          s.pred[i] = pred[i]!;
          if (s.words && words) s.words[i] = words[i]!;
          s.missing--;
        });
      }
    });
  }

  /** Forgets everything (a new epoch). */
  reset(): void {
    this.open.clear();
    this.rows = 0;
    this.windowed = false;
  }
}

/** The keys {@link addWordRows} reads. */
export interface WordRowKeys {
  predKey: string;
  wordIdsKey: string;
  tagsKey: string;
  windowKey?: string | undefined;
  wordsKey?: string | undefined;
}

/**
 * Reads one batch at word level into `assembler`: predictions `[B, L, C]` or `[B, L]`, word ids `[B, L]`, the gold
 * tags (a list per row), the words (when `wordsKey` is set) and the window records `[B, 5]` (when `windowKey` is set).
 */
export function addWordRows(assembler: SentenceAssembler, data: Data, keys: WordRowKeys): void {
  const owner = assembler.owner;
  const wid = asNDArray(owner, keys.wordIdsKey, data.get(keys.wordIdsKey));
  if (wid.rank !== 2) {
    throw new MetricInputError(owner, keys.wordIdsKey, `expected word ids [B, L], received shape [${wid.shape.join(', ')}]`);
  }
  const [b, l] = wid.shape as [number, number];
  const pred = predictedIds(owner, keys.predKey, data.get(keys.predKey), b, l, assembler.labels.length, keys.wordIdsKey);
  const list = (key: string): unknown[][] => {
    const v = data.get(key);
    if (!Array.isArray(v) || v.length !== b || !v.every(Array.isArray)) {
      throw new MetricInputError(
        owner,
        key,
        `expected ${b} lists (one per row of the batch), received ${Array.isArray(v) ? `${v.length} items` : typeof v}`,
      );
    }
    return v as unknown[][];
  };
  const gold = list(keys.tagsKey);
  const words = keys.wordsKey ? list(keys.wordsKey) : undefined;
  let windows: ArrayLike<number> | undefined;
  if (keys.windowKey) {
    const w = asNDArray(owner, keys.windowKey, data.get(keys.windowKey));
    if (w.rank !== 2 || w.shape[0] !== b || w.shape[1] !== 5) {
      throw new MetricInputError(owner, keys.windowKey, `expected window records [${b}, 5], received shape [${w.shape.join(', ')}]`);
    }
    windows = w.data as ArrayLike<number>;
  }
  const ids = wid.data as ArrayLike<number>;
  const slice = (a: ArrayLike<number>, i: number, n: number) => Array.prototype.slice.call(a, i * n, (i + 1) * n) as number[];
  for (let i = 0; i < b; i++) {
    assembler.add({
      pred: slice(pred, i, l),
      wordIds: slice(ids, i, l),
      gold: gold[i]!,
      words: words?.[i],
      window: windows ? slice(windows, i, 5) : undefined,
    });
  }
}

/** The keys that switch SeqEval and TagPredictions to words (spread into their schemas). */
export const wordKeysShape = {
  /**
   * Score words, not label positions: key of each token's word index `[B, L]` (BertTokenize `returnWordIds`). A
   * word's prediction is its first sub-token's; its gold tag comes from `tagsKey`, so words without sub-tokens count.
   */
  wordIdsKey: z.string().min(1).optional(),
  /** Key of the gold tags per word (the data set's `tags`, kept in the batch); with `wordIdsKey`. */
  tagsKey: z.string().min(1).optional(),
  /** Key of the window records of a WindowedDataset: long sentences are put back together, every word once. */
  windowKey: z.string().min(1).optional(),
};

/** The rule of those keys: label ids (`trueKey`) or words (`wordIdsKey` with `tagsKey`); `windowKey` needs words. */
export function checkWordKeys(
  o: { trueKey?: string | undefined; wordIdsKey?: string | undefined; tagsKey?: string | undefined; windowKey?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if (o.wordIdsKey === undefined && o.trueKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['trueKey'], message: 'expected trueKey (label ids), or wordIdsKey with tagsKey' });
  }
  if ((o.wordIdsKey === undefined) !== (o.tagsKey === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [o.tagsKey === undefined ? 'tagsKey' : 'wordIdsKey'],
      message: 'wordIdsKey and tagsKey go together',
    });
  }
  if (o.windowKey !== undefined && o.wordIdsKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['windowKey'], message: 'expected wordIdsKey and tagsKey with windowKey' });
  }
}
