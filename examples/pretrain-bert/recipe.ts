/**
 * Masked-language-model pretraining of BERT (TF Model Garden's bert/pretraining, without next-sentence prediction):
 * documents → sentences packed into [CLS] … [SEP] sequences → dynamic BERT masking (15%; 80/10/10) → logits only at
 * the masked positions, decoder tied to the word embeddings → sparse cross entropy (-100 ignored), AdamW with linear
 * warm-up/decay (over the wall-clock budget when there is one), resumable checkpoints, a Hugging Face folder at the end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import type { PretrainConfig } from './config.js';
import { TimeBudget } from './timeBudget.js';

/** Where the text comes from and what packing made of it. */
export interface PretrainData {
  train: fe.dataset.PackedDataset;
  /** Held-out Brown documents, packed and masked once (fixed masks, so epochs compare). */
  evalData: fe.dataset.NumpyDataset | undefined;
  /** One line per source, for the log. */
  sources: string[];
}

/** Finds the WordPiece vocabulary: the flag, the model folder's, $FETS_DATA_DIR/../vocab, else the hub. */
export async function resolveVocab(cfg: PretrainConfig): Promise<string> {
  if (cfg.vocab) return cfg.vocab;
  if (existsSync(path.join(cfg.model, 'vocab.txt'))) return path.join(cfg.model, 'vocab.txt');
  const dataDir = cfg.dataDir ?? process.env.FETS_DATA_DIR;
  if (dataDir) {
    const local = path.join(dataDir, '..', 'vocab', 'bert-base-uncased-vocab.txt');
    if (existsSync(local)) return local;
  }
  return (await fe.io.hubDownload('google-bert/bert-base-uncased', 'vocab.txt'))!;
}

/** Number of predictions per sequence the head computes. */
export const maxPredictionsOf = (cfg: PretrainConfig): number => cfg.maxPredictions ?? Math.ceil(cfg.maxLen * cfg.maskProb);

/** The MaskTokens op of the recipe (train mode: a new mask every epoch). */
export function maskOp(cfg: PretrainConfig, tokenizer: fe.text.BertWordPieceTokenizer): fe.op.MaskTokens {
  return new fe.op.MaskTokens({
    inputs: 'inputIds',
    outputs: ['x', 'maskedPositions', 'maskedLabels'],
    returns: ['inputIds', 'maskedPositions', 'maskedLabels'],
    tokenizer,
    maskProb: cfg.maskProb,
    wholeWord: cfg.wholeWord,
    maxPredictions: maxPredictionsOf(cfg),
    mode: 'train',
  });
}

/** Reads and packs the configured text; the held-out Brown part is masked once with a fixed seed. */
export async function loadPretrainData(cfg: PretrainConfig, tokenizer: fe.text.BertWordPieceTokenizer): Promise<PretrainData> {
  const trainDocs: fe.dataset.TextDocument[] = [];
  const sources: string[] = [];
  let heldOut: fe.dataset.TextDocument[] = [];
  const describe = (name: string, docs: readonly fe.dataset.TextDocument[]) => {
    const c = fe.dataset.countDocuments(docs);
    return `${name}: ${c.documents} documents, ${c.sentences} sentences, ${c.words} words`;
  };
  if (cfg.brown) {
    const split = fe.dataset.splitDocuments(fe.dataset.brownDocuments(), cfg.heldOut, { seed: cfg.seed });
    trainDocs.push(...split.train);
    heldOut = split.heldOut;
    sources.push(describe('brown (train)', split.train), describe('brown (held out)', heldOut));
  }
  if (cfg.nerTrain) {
    let docs: fe.dataset.TextDocument[];
    if (cfg.nerTrain === 'mit-movie') {
      const root = cfg.dataDir ? path.join(cfg.dataDir, 'mit-movie') : undefined;
      const { train } = await fe.dataset.mitMovie.loadData(root ? { rootDir: root } : {});
      // The same call ner-bert makes: its held-out sentences (and engtest.bio) never reach pretraining.
      if (cfg.nerEvalFraction > 0) train.split(cfg.nerEvalFraction, { seed: cfg.seed });
      docs = fe.dataset.conllDocuments(train);
    } else docs = fe.dataset.conllDocuments(cfg.nerTrain);
    for (let r = 0; r < cfg.nerRepeat; r++) trainDocs.push(...docs);
    sources.push(`${describe(`${cfg.nerTrain} (words only)`, docs)}${cfg.nerRepeat > 1 ? `, × ${cfg.nerRepeat}` : ''}`);
  }
  for (const file of cfg.text) {
    const docs = fe.dataset.readTextDocuments(file);
    trainDocs.push(...docs);
    sources.push(describe(file, docs));
  }
  if (trainDocs.length === 0) throw new fe.FetsError('pretrain-bert: no training text (--brown false and no --nerTrain or --text)');
  const train = fe.dataset.packSentences(trainDocs, { tokenizer, maxLen: cfg.maxLen, shortSeqProb: cfg.shortSeqProb, seed: cfg.seed });
  let evalData: fe.dataset.NumpyDataset | undefined;
  if (heldOut.length > 0) {
    const packed = fe.dataset.packSentences(heldOut, { tokenizer, maxLen: cfg.maxLen, shortSeqProb: 0 });
    const op = maskOp(cfg, tokenizer);
    const cols: Record<string, Int32Array[]> = { x: [], maskedPositions: [], maskedLabels: [] };
    for (let i = 0; i < packed.length; i++) {
      const state = { mode: 'eval' as const, epoch: 0, dsId: '', random: fe.seededRandom(cfg.seed * 1_000_003 + i) };
      const [x, pos, labels] = op.forward(packed.get(i).inputIds, state) as Int32Array[];
      cols.x!.push(x!);
      cols.maskedPositions!.push(pos!);
      cols.maskedLabels!.push(labels!);
    }
    evalData = new fe.dataset.NumpyDataset(cols);
  }
  return { train, evalData, sources };
}

/** Counts the training steps of this process (a resumed run's global step also counts the restored ones). */
export class StepCounter extends fe.trace.Trace {
  steps = 0;
  constructor() {
    super({ mode: 'train' });
  }
  override onBatchEnd(): void {
    this.steps++;
  }
}

/**
 * ELECTRA, per epoch: the share of tokens the generator's samples replaced (`rtd_replaced`; 1 − it is the accuracy
 * of a discriminator that calls every token original, the base rate `rtd_accuracy` must beat), the token-weighted
 * mean replaced-token loss (`rtd_mean_loss`) and the loss of the best constant prediction, the binary entropy of
 * that share (`rtd_base_loss`): a discriminator that learns anything goes below it.
 */
export class ReplacedTokenStats extends fe.trace.Trace {
  private replaced = 0;
  private tokens = 0;
  private lossSum = 0;
  constructor() {
    super({ inputs: ['rtdLabels', 'rtd_loss'], outputs: ['rtd_replaced', 'rtd_mean_loss', 'rtd_base_loss'], mode: ['train', 'eval'] });
  }
  override onEpochBegin(): void {
    this.replaced = 0;
    this.tokens = 0;
    this.lossSum = 0;
  }
  override onBatchEnd(data: fe.Data): void {
    const labels = data.get('rtdLabels') as fe.NDArray;
    let n = 0;
    for (const v of labels.data as Int32Array) {
      if (v === 1) this.replaced++;
      if (v >= 0) n++;
    }
    this.tokens += n;
    this.lossSum += Number(data.get('rtd_loss')) * n;
  }
  override onEpochEnd(data: fe.Data): void {
    const p = this.tokens > 0 ? this.replaced / this.tokens : 0;
    data.writeWithLog('rtd_replaced', p);
    data.writeWithLog('rtd_mean_loss', this.tokens > 0 ? this.lossSum / this.tokens : Number.NaN);
    data.writeWithLog('rtd_base_loss', p > 0 && p < 1 ? -(p * Math.log(p) + (1 - p) * Math.log(1 - p)) : 0);
  }
}

/** Everything a run needs. */
export interface PretrainRun {
  cfg: PretrainConfig;
  tokenizer: fe.text.BertWordPieceTokenizer;
  data: PretrainData;
  /** The model trained: an MLM, or ELECTRA's generator and discriminator. */
  model: fe.architecture.BertForMaskedLM | fe.architecture.ElectraPretraining;
  /** What `savePretrained` writes: the MLM, or ELECTRA's discriminator (the encoder to fine-tune). */
  saved: fe.architecture.BertForMaskedLM | fe.architecture.ElectraDiscriminator;
  pipeline: fe.Pipeline;
  network: fe.Network;
  estimator: fe.Estimator;
  budget: TimeBudget | undefined;
  counter: StepCounter;
  /** Training steps the schedule plans for (the budget may stop earlier). */
  totalSteps: number;
}

/**
 * Linear warm-up then linear decay to 0 over the run's progress: the larger of the share of steps done and, with a
 * time budget, the share of the budget spent (so the rate reaches 0 when the budget ends, whatever the speed).
 */
export function pretrainSchedule(cfg: PretrainConfig, totalSteps: number, budget: TimeBudget | undefined): fe.schedule.LrFn {
  return (step: number) => {
    const p = Math.max((step - 1) / totalSteps, budget?.fraction() ?? 0);
    if (p < cfg.warmup) return (cfg.lr * p) / cfg.warmup;
    return cfg.lr * Math.max(0, (1 - p) / (1 - cfg.warmup));
  };
}

/** The BERT config of a new model of the size `cfg.model` names, over `vocabSize` tokens (dropout and seed from `cfg`). */
export function pretrainPreset(cfg: PretrainConfig, vocabSize: number): fe.architecture.BertConfigInput {
  return fe.architecture.bertPreset(cfg.model, {
    vocabSize,
    maxPositionEmbeddings: Math.max(512, cfg.maxLen),
    hiddenDropoutProb: cfg.dropout,
    attentionProbsDropoutProb: cfg.dropout,
    seed: cfg.seed,
    name: 'bert',
  });
}

/** Compiles the model with the recipe's optimizer (AdamW; the LR schedule sets the rate per step). */
export function buildPretrainModel<M extends fe.architecture.BertForMaskedLM | fe.architecture.ElectraPretraining>(
  cfg: PretrainConfig,
  model: M,
): M {
  return fe.build(model, () => new fe.optimizer.AdamW({ learningRate: cfg.lr, weightDecay: cfg.weightDecay }), { modelName: 'bert' });
}

/** The masked-position loss (`mlm_loss`, sparse cross-entropy from logits, −100 ignored) and the predictions. */
export function mlmLossOps(): fe.op.TensorOp[] {
  return [
    new fe.op.CrossEntropy({ inputs: ['mlmLogits', 'maskedLabels'], outputs: 'mlm_loss', fromLogits: true, ignoreIndex: -100 }),
    new fe.op.Argmax({ inputs: 'mlmLogits', outputs: 'mlmPred' }),
  ];
}

/**
 * The MLM objective's Network ops: the model's logits at the masked positions of `x` (inputs `x`, `xMask`,
 * `maskedPositions`), the loss against `maskedLabels`, and the clipped update.
 */
export function mlmNetworkOps(cfg: PretrainConfig, model: fe.architecture.BertForMaskedLM): fe.op.TensorOp[] {
  return [
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask', 'maskedPositions'], outputs: 'mlmLogits' }),
    ...mlmLossOps(),
    new fe.op.UpdateOp({ model, lossName: 'mlm_loss', clipNorm: cfg.clipNorm }),
  ];
}

/** Builds tokenizer, data, model, Pipeline, Network and Estimator for a config. */
export async function buildPretrain(cfg: PretrainConfig): Promise<PretrainRun> {
  const tokenizer = await fe.text.BertWordPieceTokenizer.fromVocabFile(await resolveVocab(cfg), { lowercase: true });
  const data = await loadPretrainData(cfg, tokenizer);

  // Step 1: the Pipeline. Masks are drawn per sample and epoch from the Pipeline seed.
  const pipeline = new fe.Pipeline({
    trainData: data.train,
    ...(data.evalData ? { evalData: data.evalData } : {}),
    seed: cfg.seed,
    ops: [
      maskOp(cfg, tokenizer),
      new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask', padId: tokenizer.padId }),
      new fe.op.Batch({ batchSize: cfg.batchSize, padValue: { x: tokenizer.padId, xMask: 0, inputIds: tokenizer.padId } }),
    ],
  });

  // Step 2: the model and the Network.
  const dropout = { hiddenDropoutProb: cfg.dropout, attentionProbsDropoutProb: cfg.dropout };
  const electra = cfg.objective === 'electra';
  const preset = () => pretrainPreset(cfg, tokenizer.vocabSize);
  if (electra && !fe.architecture.isBertPreset(cfg.model)) {
    throw new fe.FetsError(
      `pretrain-bert: --objective electra starts a new model: expected --model ${Object.keys(fe.architecture.BERT_PRESETS).join('|')}, received "${cfg.model}"`,
    );
  }
  const model = electra
    ? fe.architecture.electraPretraining(preset(), { generatorScale: cfg.generatorScale })
    : fe.architecture.isBertPreset(cfg.model)
      ? fe.architecture.bertForMaskedLM(preset())
      : await fe.architecture.fromPretrained(cfg.model, {
          architecture: 'BertForMaskedLM',
          seed: cfg.seed,
          config: { ...dropout, name: 'bert' },
        });
  model.vocab = [...tokenizer.idToToken];
  buildPretrainModel(cfg, model);
  const mlmOps = mlmLossOps();
  const network = new fe.Network(
    model instanceof fe.architecture.ElectraPretraining
      ? [
          new fe.op.ModelOp({
            model,
            inputs: ['x', 'xMask', 'maskedPositions', 'maskedLabels'],
            outputs: ['mlmLogits', 'rtdLogits', 'rtdLabels'],
          }),
          ...mlmOps,
          new fe.op.ReplacedTokenLoss({ inputs: ['rtdLogits', 'rtdLabels'], outputs: ['rtd_loss', 'rtdPred'] }),
          // ELECTRA's objective: the generator's MLM loss plus λ times the discriminator's (λ = 50 in the paper).
          new fe.op.tensorop.LambdaOp({
            inputs: ['mlm_loss', 'rtd_loss'],
            outputs: 'loss',
            fn: (mlm: tf.Tensor, rtd: tf.Tensor) => tf.add(mlm, tf.mul(rtd, cfg.rtdWeight)),
            mode: '!infer',
          }),
          new fe.op.UpdateOp({ model, lossName: 'loss', clipNorm: cfg.clipNorm }),
        ]
      : mlmNetworkOps(cfg, model),
  );
  const saved = model instanceof fe.architecture.ElectraPretraining ? model.discriminator : model;

  // Step 3: the Estimator.
  const stepsPerEpoch = cfg.trainStepsPerEpoch ?? Math.ceil(data.train.length / cfg.batchSize);
  const totalSteps = stepsPerEpoch * cfg.epochs;
  const budget = cfg.minutes === undefined ? undefined : new TimeBudget(cfg.minutes);
  const counter = new StepCounter();
  const traces: fe.trace.Trace[] = [
    new fe.trace.Accuracy({
      trueKey: 'maskedLabels',
      predKey: 'mlmPred',
      ignoreValue: -100,
      outputName: 'mlm_accuracy',
      mode: ['train', 'eval'],
    }),
    ...(electra
      ? [
          new fe.trace.Accuracy({
            trueKey: 'rtdLabels',
            predKey: 'rtdPred',
            ignoreValue: -100,
            outputName: 'rtd_accuracy',
            mode: ['train', 'eval'],
          }),
          new ReplacedTokenStats(),
        ]
      : []),
    new fe.trace.LRScheduler({ model, lrFn: pretrainSchedule(cfg, totalSteps, budget), by: 'step' }),
    counter,
  ];
  if (budget) traces.push(budget);
  if (cfg.profile.length > 0) traces.push(new fe.trace.Profiler({ steps: cfg.profile }));
  if (cfg.restore) {
    traces.push(
      new fe.trace.RestoreWizard({
        directory: path.join(cfg.outDir, 'restore'),
        resume: cfg.resume,
        resumeHint: 'the same command with --resume',
      }),
    );
  }
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: cfg.epochs,
    ...(cfg.trainStepsPerEpoch ? { trainStepsPerEpoch: cfg.trainStepsPerEpoch } : {}),
    logSteps: cfg.logSteps,
    traces,
  });
  return { cfg, tokenizer, data, model, saved, pipeline, network, estimator, budget, counter, totalSteps };
}
