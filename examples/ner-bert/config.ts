import path from 'node:path';
import { z } from 'zod';
import { readScriptParams } from '@fets/estimator';

/** Everything the NER recipe can be told, with its defaults (one place). */
export const nerConfigSchema = z.strictObject({
  /** 'mit-movie' (default), 'bc5cdr-chem', or a folder with train/dev/test CoNLL-style files. */
  dataset: z.string().default('mit-movie'),
  /** Folder holding the data sets (default: $FETS_DATA_DIR, else the loader downloads or errors). */
  dataDir: z.string().optional(),
  /** 'tiny' | 'mini' | 'small' | … or a fromPretrained folder / hub name. */
  model: z.string().default('mini'),
  /** Initialise the encoder from a savePretrained folder (e.g. a fets-pretrained MLM), keeping a new head. */
  init: z.string().optional(),
  /** WordPiece vocabulary (default: the pretrained folder's, else bert-base-uncased from ../shared or the hub). */
  vocab: z.string().optional(),
  lowercase: z.boolean().optional(),
  epochs: z.number().int().min(1).default(5),
  batchSize: z.number().int().min(1).default(32),
  /** Longest window in sub-tokens, [CLS] and [SEP] included: a speed setting, since longer sentences are cut into overlapping windows and every word is still scored. */
  maxLen: z.number().int().min(3).default(48),
  /** Sub-tokens shared by neighbouring windows of a long sentence (default half of maxLen − 2). */
  stride: z.number().int().min(0).optional(),
  /** Group sentences of similar length into batches (less padding, faster steps); `--bucket false` turns it off. */
  bucket: z.boolean().default(true),
  /**
   * Batches per sorting pool when bucketing (Batch's `bucketBatches`). A smaller pool mixes lengths more within a batch
   * at the cost of more padding. Default 8: on BC5CDR-chem (5 seeds) and MIT Movie (3) it scored +0.0015 ± 0.0010 and
   * +0.0010 ± 0.0014 test F1 over Hugging Face's 50, paired by seed, for 18% and 12% more padded tokens per epoch
   * (without bucketing: 2.5× and 1.9×); `npm run bench -- quality`, docs/performance.md.
   */
  bucketBatches: z.number().int().min(2).default(8),
  /**
   * How the loss of a batch is averaged: 'tokens' (default) divides by the mean labelled tokens per batch of the
   * training data, so every token weighs the same whatever the length of its batch (fairseq's normalisation);
   * 'batch' divides by the batch's own labelled tokens, so with bucketing a token of a short sentence weighs more.
   * On MIT Movie over 3 seeds: 'tokens' 0.825 ± 0.001 test F1, 'batch' 0.823 ± 0.006 (`npm run bench -- quality`).
   */
  lossNorm: z.enum(['batch', 'tokens']).default('tokens'),
  /**
   * The tagging head: 'softmax' (a cross entropy per token) or 'crf' (a linear-chain CRF over the words of a sentence,
   * trained on the gold paths' likelihood, decoded by Viterbi; its transitions are saved with the model as
   * `crf.transitions`, `crf.start_transitions`, `crf.end_transitions`). The default, CRF, scored above softmax on every
   * seed of MIT Movie and BC5CDR-chem (docs/quality.md); `--head softmax` is the recipe FastEstimator and the PyTorch
   * peer run.
   */
  head: z.enum(['softmax', 'crf']).default('crf'),
  /**
   * How tags are read from the scores: 'constrained' forbids the transitions strict IOB2 does not allow (an `I-X` after
   * `O` or `B-Y`, or first), by Viterbi (over the log-softmax for the softmax head); 'argmax' does not (per token for
   * the softmax head, unconstrained Viterbi for the CRF). Default: 'constrained' with the CRF, 'argmax' with softmax.
   */
  decode: z.enum(['argmax', 'constrained']).optional(),
  /**
   * Checkpoint averaging: the model that is tested and written (`model/`, `bert_average.safetensors`) is the mean of the
   * weights of `average` epochs, the last ones or the best ones by eval F1 (`averageSelect`). 0 (default): none, the
   * best epoch's weights as before.
   */
  average: z.number().int().min(0).default(0),
  /** Which epochs `average` takes: 'last' (default; fairseq's habit) or 'best' (the k best by eval F1). */
  averageSelect: z.enum(['last', 'best']).default('last'),
  /** The CRF transitions' learning rate as a multiple of `lr` (their own parameter group, moved by the same schedule). */
  crfLrScale: z.number().positive().default(1),
  lr: z.number().positive().default(1e-3),
  weightDecay: z.number().min(0).default(0.01),
  warmup: z.number().min(0).max(1).default(0.1),
  clipNorm: z.number().positive().default(1.0),
  dropout: z.number().min(0).max(1).default(0.1),
  /** Fraction of the training split held out for model selection (MIT Movie has no dev split). */
  evalFraction: z.number().min(0).max(0.5).default(0.1),
  seed: z.number().int().default(0),
  /** Score the test split after training (`--test false`: a tuning run, judged on the eval split only). */
  test: z.boolean().default(true),
  outDir: z.string().default('runs/ner-bert'),
  logSteps: z.number().int().min(0).default(100),
  /** Cap on training steps per epoch (quick runs). */
  trainStepsPerEpoch: z.number().int().min(1).optional(),
  /** Training steps to profile (a per-kernel time table is printed): `--profile 20` or `--profile 20,500`. */
  profile: z.array(z.number().int().min(1)).default([]),
  /** Write a resumable checkpoint (RestoreWizard) into outDir/checkpoints after every epoch and on Ctrl+C. */
  checkpoints: z.boolean().default(true),
  /** Continue from the last checkpoint in outDir/checkpoints (LR schedule, data order, best F1 restored). */
  resume: z.boolean().default(false),
  /** Sentences to tag after training (printed as entity spans). */
  predict: z.array(z.string()).default(['have you seen the dark knight with christian bale', 'any good romantic comedies from 1999']),
});

/** The NER recipe's configuration. */
export type NerConfig = z.output<typeof nerConfigSchema>;

/**
 * Reads the configuration from flags (`--epochs 3 --model tiny`, `--resume`), `--config file.yaml|json` files applied
 * first, and validates it: the same reading as `fets train` (fe.readScriptParams), so the same "did you mean" and
 * one clean error line.
 */
export function readNerConfig(argv: string[] = process.argv.slice(2)): NerConfig {
  const cfg = readScriptParams('ner-bert', 'npm run ner --', nerConfigSchema, argv);
  return { ...cfg, outDir: path.resolve(cfg.outDir) };
}
