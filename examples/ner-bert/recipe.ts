/**
 * The NER recipe FastEstimator's tutorial should have been: BERT WordPiece with label alignment and [CLS]/[SEP],
 * masked loss (ignoreIndex -100), entity-level F1 (seqeval, strict IOB2), AdamW with linear warmup/decay,
 * BestModelSaver on F1, and the test split scored at the end.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as fe from '@fets/estimator';
import type { NerConfig } from './config.js';

/** The data sets a run uses. */
export interface NerSplits {
  train: fe.dataset.Dataset;
  evalData: fe.dataset.Dataset;
  test: fe.dataset.Dataset | undefined;
  labels: string[];
  /** Which split `test` is (for metrics.json). */
  testSplit: string;
  cased: boolean;
}

/** Loads the configured data set; holds out `evalFraction` of train for model selection when it has no dev split. */
export async function loadSplits(cfg: NerConfig): Promise<NerSplits> {
  const rootOf = (folder: string) => (cfg.dataDir ? path.join(cfg.dataDir, folder) : undefined);
  if (cfg.dataset === 'mit-movie') {
    const root = rootOf('mit-movie');
    const { train, test, labels } = await fe.dataset.mitMovie.loadData(root ? { rootDir: root } : {});
    const evalData = train.split(cfg.evalFraction, { seed: cfg.seed });
    return { train, evalData, test, labels: [...labels.labels], testSplit: 'engtest.bio', cased: false };
  }
  if (cfg.dataset === 'bc5cdr-chem') {
    const root = rootOf('bc5cdr-chem');
    const { train, evalData, test, labels } = await fe.dataset.bc5cdrChem.loadData(root ? { rootDir: root } : {});
    return { train, evalData, test: test ?? evalData, labels: [...labels.labels], testSplit: test ? 'test.tsv' : 'devel.tsv', cased: true };
  }
  // Any CoNLL-style folder: train.* plus dev/devel/valid.* and test.* files.
  const dir = cfg.dataset;
  const find = (...stems: string[]) => {
    for (const s of stems)
      for (const ext of ['.tsv', '.txt', '.conll', '.bio', '']) if (existsSync(path.join(dir, s + ext))) return path.join(dir, s + ext);
    return undefined;
  };
  const trainFile = find('train');
  if (!trainFile) throw new fe.FetsError(`ner-bert: no train file (train.tsv/.txt/.conll/.bio) in ${path.resolve(dir)}`);
  const train = new fe.dataset.ConllDataset(trainFile);
  const devFile = find('dev', 'devel', 'valid', 'validation');
  const testFile = find('test');
  const evalData = devFile ? new fe.dataset.ConllDataset(devFile) : train.split(cfg.evalFraction, { seed: cfg.seed });
  const labels = [...fe.dataset.LabelVocab.fromTags(train.tagSequences()).labels];
  return {
    train,
    evalData,
    test: testFile ? new fe.dataset.ConllDataset(testFile) : undefined,
    labels,
    testSplit: testFile ? path.basename(testFile) : 'none',
    cased: true,
  };
}

/** Finds the WordPiece vocabulary: the flag, the pretrained folder's, ../vocab next to the data dir, else the hub. */
export async function resolveVocab(cfg: NerConfig, cased: boolean): Promise<string> {
  if (cfg.vocab) return cfg.vocab;
  for (const dir of [cfg.init, cfg.model]) if (dir && existsSync(path.join(dir, 'vocab.txt'))) return path.join(dir, 'vocab.txt');
  const name = cased ? 'bert-base-cased' : 'bert-base-uncased';
  const dataDir = cfg.dataDir ?? process.env.FETS_DATA_DIR;
  if (dataDir) {
    const local = path.join(dataDir, '..', 'vocab', `${name}-vocab.txt`);
    if (existsSync(local)) return local;
  }
  const file = await fe.io.hubDownload(`google-bert/${name}`, 'vocab.txt');
  return file!;
}

/** Everything a run needs, built from a config. */
export interface NerRun {
  cfg: NerConfig;
  splits: NerSplits;
  tokenizer: fe.text.BertWordPieceTokenizer;
  model: fe.architecture.BertForTokenClassification;
  pipeline: fe.Pipeline;
  /** Key of the predicted tags the traces read: decoded tag ids `yTag` [B, L], or the logits `yPred` (argmax). */
  predKey: string;
  network: fe.Network;
  estimator: fe.Estimator;
  /** The entity-F1 trace (its `lastReport` holds the latest per-type report). */
  seqeval: fe.trace.SeqEval;
}

/** Builds Pipeline, model, Network and Estimator for a config (FastEstimator's three steps). */
export async function buildNer(cfg: NerConfig, splits?: NerSplits): Promise<NerRun> {
  const data = splits ?? (await loadSplits(cfg));
  const lowercase = cfg.lowercase ?? !data.cased;
  const tokenizer = await fe.text.BertWordPieceTokenizer.fromVocabFile(await resolveVocab(cfg, data.cased), { lowercase });
  const labels = data.labels;

  // Step 1: the Pipeline. Sentences longer than maxLen sub-tokens become overlapping windows (WindowedDataset), so every
  // word is trained on, scored and written; SeqEval and TagPredictions put the sentences back together.
  const tokenize = new fe.op.BertTokenize({
    inputs: ['words', 'tags'],
    outputs: ['x', 'y', 'wordIds'],
    tokenizer,
    labels,
    maxLen: cfg.maxLen,
    returnWordIds: true,
  });
  const windows = (ds: fe.dataset.Dataset) =>
    new fe.dataset.WindowedDataset(ds, { tokenize, ...(cfg.stride !== undefined ? { stride: cfg.stride } : {}) });
  const train = windows(data.train);
  const pipeline = new fe.Pipeline({
    trainData: train,
    evalData: windows(data.evalData),
    ...(data.test ? { testData: windows(data.test) } : {}),
    seed: cfg.seed,
    ops: [
      tokenize,
      new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' }),
      // Sentences of similar length share a batch: on MIT Movie padding drops from 1.94 to 1.03 cells per token. The
      // test split keeps its order, so predictions.conll lines up with the test file.
      new fe.op.Batch({
        batchSize: cfg.batchSize,
        ...(cfg.bucket ? { bucketBy: 'x', bucketBatches: cfg.bucketBatches } : {}),
        mode: '!test',
      }),
      new fe.op.Batch({ batchSize: cfg.batchSize, mode: 'test' }),
    ],
  });

  // Step 2: the model and the Network.
  const id2label = labels;
  const base = cfg.init ?? (fe.architecture.isBertPreset(cfg.model) ? undefined : cfg.model);
  const crf = cfg.head === 'crf';
  const model = base
    ? await fe.architecture.fromPretrained(base, {
        id2label,
        seed: cfg.seed,
        crf,
        config: { hiddenDropoutProb: cfg.dropout, attentionProbsDropoutProb: cfg.dropout },
      })
    : (crf ? fe.architecture.bertCrfForTokenClassification : fe.architecture.bertForTokenClassification)(
        fe.architecture.bertPreset(cfg.model, {
          vocabSize: tokenizer.vocabSize,
          id2label,
          maxPositionEmbeddings: Math.max(512, cfg.maxLen),
          hiddenDropoutProb: cfg.dropout,
          attentionProbsDropoutProb: cfg.dropout,
          seed: cfg.seed,
          name: 'bert',
        }),
      );
  const adamw = () => new fe.optimizer.AdamW({ learningRate: cfg.lr, weightDecay: cfg.weightDecay });
  fe.build(
    model,
    crf && cfg.crfLrScale !== 1
      ? () => new fe.optimizer.LrGroups({ optimizer: adamw, groups: [{ match: '/crf.', scale: cfg.crfLrScale }] })
      : adamw,
    { modelName: 'bert' },
  );
  // 'tokens': every labelled token weighs the same, whatever the length of the batch it falls in.
  const norm = cfg.lossNorm === 'tokens' ? { denominator: (cfg.batchSize * train.labelledWords) / Math.max(1, train.length) } : {};
  const crfHead = model instanceof fe.architecture.BertCrfForTokenClassification ? model.crf : undefined;
  const decode = cfg.decode ?? (crf ? 'constrained' : 'argmax');
  // The tags the traces and TokenTagger read: Viterbi (CRF, or constrained softmax) at each word's first sub-token.
  const decoder = crfHead
    ? new fe.op.TagDecode({
        inputs: ['yPred', 'wordIds'],
        outputs: 'yTag',
        decode: 'crf',
        crf: crfHead,
        ...(decode === 'argmax' ? { constraints: null } : {}),
      })
    : decode === 'constrained'
      ? new fe.op.TagDecode({
          inputs: ['yPred', 'wordIds'],
          outputs: 'yTag',
          decode: 'constrained',
          constraints: fe.op.iob2Constraints(labels),
        })
      : undefined;
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
    crfHead
      ? new fe.op.CrfLoss({ inputs: ['yPred', 'y'], outputs: 'ce', crf: crfHead, ...norm })
      : new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100, ...norm }),
    ...(decoder ? [decoder] : []),
    new fe.op.UpdateOp({ model, lossName: 'ce', clipNorm: cfg.clipNorm }),
  ]);
  const predKey = decoder ? 'yTag' : 'yPred';
  // What the model folder records of the decoding above, so that `fets predict <folder>` decodes the same way.
  const constraints = decode === 'constrained' ? 'iob2' : 'none';
  const folderHead = crfHead ? ({ type: 'crf', constraints } as const) : ({ type: 'softmax', constraints } as const);
  const modelFolder = { tokenize, ...(cfg.stride !== undefined ? { stride: cfg.stride } : {}), head: folderHead };

  // Step 3: the Estimator.
  const words = { wordIdsKey: 'wordIds', tagsKey: 'tags', windowKey: 'window' };
  const seqeval = new fe.trace.SeqEval({
    ...words,
    predKey,
    labels,
    scheme: 'IOB2',
    evalMode: 'strict',
    mode: ['eval', 'test'],
  });
  const estimator = new fe.Estimator({
    pipeline,
    network,
    epochs: cfg.epochs,
    ...(cfg.trainStepsPerEpoch ? { trainStepsPerEpoch: cfg.trainStepsPerEpoch } : {}),
    logSteps: cfg.logSteps,
    traces: [
      seqeval,
      new fe.trace.Accuracy({ trueKey: 'y', predKey, ignoreValue: -100, mode: ['eval', 'test'] }),
      // The test epoch's predictions, for conlleval and for reading: predictions.conll and predictions.jsonl.
      new fe.trace.TagPredictions({ ...words, wordsKey: 'words', predKey, labels, saveDir: cfg.outDir, mode: 'test' }),
      // The best model also as one folder, outDir/model (Hugging Face's files plus fets.json): `fets predict <folder>`
      // and the web page run it with nothing else, long sentences in the same windows as here, decoded as here (the
      // CRF's Viterbi with its transitions, or the softmax head's argmax or IOB2-constrained Viterbi).
      new fe.trace.BestModelSaver({
        model,
        saveDir: cfg.outDir,
        metric: 'f1',
        saveBestMode: 'max',
        loadBestFinal: cfg.average === 0,
        ...(cfg.average === 0 ? { modelFolder } : {}),
      }),
      // Checkpoint averaging: the mean of the last (or best) k epochs' weights becomes the model that is tested and
      // written as the model folder.
      ...(cfg.average > 0
        ? [
            new fe.trace.CheckpointAverage({
              model,
              k: cfg.average,
              select: cfg.averageSelect,
              metric: 'f1',
              saveBestMode: 'max',
              saveDir: cfg.outDir,
              modelFolder,
            }),
          ]
        : []),
      new fe.trace.LRScheduler({ model, lrFn: fe.schedule.linearWarmupDecay({ warmup: cfg.warmup, peak: cfg.lr }), by: 'step' }),
      ...(cfg.profile.length > 0 ? [new fe.trace.Profiler({ steps: cfg.profile })] : []),
      ...(cfg.checkpoints
        ? [
            new fe.trace.RestoreWizard({
              directory: path.join(cfg.outDir, 'checkpoints'),
              resume: cfg.resume,
              resumeHint: 'the same command with --resume',
            }),
          ]
        : []),
    ],
  });
  return { cfg, splits: data, tokenizer, model, pipeline, predKey, network, estimator, seqeval };
}
