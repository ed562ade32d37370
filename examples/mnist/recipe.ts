/**
 * FastEstimator's tutorial 1 in fets: LeNet on MNIST, the three steps. Pipeline: ExpandDims and Minmax on each image,
 * a random affine jitter in training; Network: ModelOp, CrossEntropy, UpdateOp (Adam); Estimator: Accuracy,
 * BestModelSaver on the held-out eval accuracy, LRScheduler (cosine decay by step), the test split scored at the end.
 */
import * as fe from '@fets/estimator';
import type { MnistConfig } from './config.js';

/** The data a run uses. */
export interface MnistSplits {
  train: fe.dataset.Dataset;
  evalData: fe.dataset.Dataset;
  test: fe.dataset.Dataset;
  classes: string[];
}

/** Loads the configured data and holds out `evalFraction` of train for model selection. */
export async function loadMnist(cfg: MnistConfig): Promise<MnistSplits> {
  const data =
    cfg.dataset === 'digits'
      ? fe.dataset.mnistDigits.loadData({ seed: cfg.splitSeed, testFraction: cfg.testFraction })
      : await (cfg.dataset === 'mnist' ? fe.dataset.mnist : fe.dataset.fashionMnist).loadData(cfg.dataDir ? { rootDir: cfg.dataDir } : {});
  const evalData = data.train.split(cfg.evalFraction, { seed: cfg.splitSeed });
  return { train: data.train, evalData, test: data.test, classes: data.classes };
}

/** Everything a run needs. */
export interface MnistRun {
  cfg: MnistConfig;
  splits: MnistSplits;
  model: fe.Model;
  pipeline: fe.Pipeline;
  network: fe.Network;
  estimator: fe.Estimator;
}

/** Builds Pipeline, model, Network and Estimator for a config. */
export async function buildMnist(cfg: MnistConfig, splits?: MnistSplits): Promise<MnistRun> {
  const data = splits ?? (await loadMnist(cfg));
  // Step 1: the Pipeline.
  const pipeline = new fe.Pipeline({
    trainData: data.train,
    evalData: data.evalData,
    testData: data.test,
    batchSize: cfg.batchSize,
    seed: cfg.seed,
    ops: [
      new fe.op.ExpandDims({ inputs: 'x', outputs: 'x' }),
      ...(cfg.rotate > 0 || cfg.translate > 0
        ? [new fe.op.Affine({ inputs: 'x', outputs: 'x', rotate: cfg.rotate, translate: cfg.translate, mode: 'train' })]
        : []),
      new fe.op.Minmax({ inputs: 'x', outputs: 'x' }),
    ],
  });
  // Step 2: the model and the Network.
  const model = fe.build(
    fe.architecture.lenet({ classes: data.classes.length, seed: cfg.seed }),
    () => new fe.optimizer.Adam({ learningRate: cfg.lr }),
    { modelName: 'lenet' },
  );
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  // Step 3: the Estimator.
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: cfg.epochs,
    logSteps: cfg.logSteps,
    ...(cfg.trainStepsPerEpoch ? { trainStepsPerEpoch: cfg.trainStepsPerEpoch } : {}),
    traces: [
      new fe.trace.Accuracy({ trueKey: 'y', predKey: 'yPred', mode: ['eval', 'test'] }),
      new fe.trace.BestModelSaver({ model, saveDir: cfg.outDir, metric: 'accuracy', saveBestMode: 'max', loadBestFinal: true }),
      new fe.trace.LRScheduler({ model, lrFn: fe.schedule.cosineDecay({ warmup: 0, peak: cfg.lr, min: cfg.lr / 20 }), by: 'step' }),
    ],
  });
  return { cfg, splits: data, model, pipeline, network, estimator };
}
