import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { LABELS, sentences, tempDir, tinyModel, tinyTokenize } from './tinyFolder.js';

/** Logs `score` = the epoch at each eval epoch end, so a BestModelSaver on it (max) saves every epoch. */
class EpochScore extends fe.Trace {
  constructor() {
    super({ mode: 'eval', outputs: 'score' });
  }
  override onEpochEnd(data: fe.Data): void {
    data.writeWithLog('score', this.system.epoch);
  }
}

describe('BestModelSaver and ModelSaver: the modelFolder option', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    await fe.initBackend();
    dir = tempDir('savers-folder');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('write model folders as training goes (ModelSaver pruning them with maxToKeep); each tags as the trained model', async () => {
    const words = sentences(48, 12, 5);
    const tags = words.map((s, i) => s.map((_, j) => LABELS[(i + j) % LABELS.length]!));
    const data = () => new fe.dataset.NumpyDataset({ words, tags });
    const tokenize = tinyTokenize(10);
    const model = fe.build(tinyModel(), 'adam', { modelName: 'bert' });
    const pipeline = new fe.Pipeline({
      trainData: data(),
      evalData: data(),
      batchSize: 8,
      ops: [tokenize, new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })],
    });
    const network = new fe.Network([
      new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' }),
      new fe.op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true, ignoreIndex: -100 }),
      new fe.op.UpdateOp({ model, lossName: 'ce' }),
    ]);
    const lines: string[] = [];
    const write = (l: string) => void lines.push(l);
    const best = new fe.trace.BestModelSaver({
      model,
      saveDir: dir,
      metric: 'score',
      saveBestMode: 'max',
      modelFolder: { tokenize },
      write,
    });
    const epochs = path.join(dir, 'epochs');
    const saver = new fe.trace.ModelSaver({ model, saveDir: epochs, maxToKeep: 2, modelFolder: { tokenize, stride: 3 }, write });
    await new fe.Estimator({
      pipeline,
      network,
      epochs: 3,
      traces: [new EpochScore(), best, saver, new fe.trace.Logger({ write: () => {} })],
    }).fit();
    expect(best.folderPath).to.equal(path.join(dir, 'model'));
    expect(lines).to.include(`FastEstimator-BestModelSaver: Saved model folder to ${path.join(dir, 'model')}`);
    expect(readdirSync(epochs).sort()).to.deep.equal([
      'bert_epoch_2',
      'bert_epoch_2.safetensors',
      'bert_epoch_3',
      'bert_epoch_3.safetensors',
    ]);

    const input = sentences(30, 20, 9);
    const trained = await new fe.TokenTagger(new fe.Pipeline({ ops: pipeline.ops as fe.op.NumpyOp[] }), network).tag(input);
    const fromBest = await fe.TokenTagger.load(path.join(dir, 'model'));
    expect(await fromBest.tag(input)).to.deep.equal(trained);
    fromBest.dispose();
    // The epoch folder records its own stride, and is read with it.
    const fromEpoch = await fe.TokenTagger.load(path.join(epochs, 'bert_epoch_3'));
    expect(fromEpoch.options.stride).to.equal(3);
    const withStride = await new fe.TokenTagger(new fe.Pipeline({ ops: pipeline.ops as fe.op.NumpyOp[] }), network, { stride: 3 }).tag(
      input,
    );
    expect(await fromEpoch.tag(input)).to.deep.equal(withStride);
    fromEpoch.dispose();
  });
});
