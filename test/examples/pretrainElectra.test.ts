import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { readPretrainConfig } from '../../examples/pretrain-bert/config.js';
import { buildPretrain } from '../../examples/pretrain-bert/recipe.js';
import { readNerConfig } from '../../examples/ner-bert/config.js';
import { buildNer, loadSplits } from '../../examples/ner-bert/recipe.js';
import { shared } from '../helpers.js';

const values = (h: Map<number, unknown> | undefined) => [...(h?.values() ?? [])].map(Number);

describe('examples/pretrain-bert --objective electra', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-electra-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a tiny ELECTRA learns (losses fall, the replaced-token loss below the best constant one), leaks nothing, and its discriminator fine-tunes', async () => {
    const vocab = shared('vocab', 'bert-base-uncased-vocab.txt');
    const cfg = readPretrainConfig([
      ...['--objective', 'electra', '--model', 'tiny', '--brown', 'false', '--nerTrain', 'mit-movie', '--dataDir', shared('datasets')],
      ...['--epochs', '2', '--trainStepsPerEpoch', '40', '--batchSize', '16', '--maxLen', '16', '--lr', '2e-3', '--warmup', '0.05'],
      ...['--dropout', '0', '--restore', 'false', '--outDir', dir, '--logSteps', '1', '--vocab', vocab],
    ]);
    const run = await buildPretrain(cfg);
    const electra = run.model as fe.architecture.ElectraPretraining;
    expect(electra).to.be.instanceOf(fe.architecture.ElectraPretraining);
    // The generator is a quarter as wide and reads the discriminator's word table (one variable, trained by both).
    expect(electra.generator.config.hiddenSize).to.equal(32);
    expect(electra.generator.shared).to.equal(electra.discriminator.wordEmbeddings);
    const names = [...electra.namedWeights().keys()];
    expect(names.filter((n) => n.includes('word_embeddings'))).to.deep.equal(['bert.embeddings.word_embeddings.weight']);
    const summary = await run.estimator.fit();
    const t = summary.history.train!;
    // The logged loss is MLM + 50 · RTD (about 10.3 + 50 · 0.69 = 45 at the start).
    const loss = values(t.loss);
    expect(loss).to.have.length(cfg.epochs * cfg.trainStepsPerEpoch!);
    expect(loss[0]!).to.be.within(40, 50);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(loss.slice(-10))).to.be.lessThan(mean(loss.slice(0, 10)) - 5);
    // Per epoch: the generator's masked accuracy rises; the discriminator beats calling every token original.
    const mlmAcc = values(t.mlm_accuracy);
    expect(mlmAcc.at(-1)!).to.be.greaterThan(mlmAcc[0]!);
    // The discriminator learns: its replaced-token loss goes below the best constant prediction's (the binary entropy
    // of the replaced share), and its accuracy stays at least at the base rate of calling every token original (it
    // passes the base rate only after a few hundred steps more than a test can take: docs/quality.md).
    const replaced = values(t.rtd_replaced).at(-1)!;
    expect(replaced).to.be.within(0.02, 0.2);
    expect(values(t.rtd_mean_loss).at(-1)!).to.be.lessThan(values(t.rtd_base_loss).at(-1)! - 0.01);
    expect(values(t.rtd_accuracy).at(-1)!).to.be.at.least(1 - replaced - 0.005);
    // Steady state: another epoch leaves the tensor count where it was.
    const before = tf.memory().numTensors;
    await run.estimator.fit();
    expect(tf.memory().numTensors).to.equal(before);

    // The saved folder is the discriminator: a token classifier loads its encoder and fine-tunes.
    await fe.architecture.savePretrained(run.saved, dir);
    const ner = readNerConfig([
      ...['--init', dir, '--dataDir', shared('datasets'), '--epochs', '1', '--trainStepsPerEpoch', '30', '--batchSize', '16'],
      ...['--outDir', path.join(dir, 'ner'), '--logSteps', '5', '--checkpoints', 'false', '--vocab', vocab],
    ]);
    const splits = await loadSplits(ner);
    const tuned = await buildNer(ner, splits);
    const w = tuned.model.namedWeights().get('bert.encoder.layer.1.output.dense.weight')!;
    const d = electra.discriminator.namedWeights().get('bert.encoder.layer.1.output.dense.weight')!;
    expect(Array.from(w.dataSync())).to.deep.equal(Array.from(d.dataSync()));
    const fit = await tuned.estimator.fit();
    const ce = values(fit.history.train!.ce);
    expect(ce.at(-1)!).to.be.lessThan(ce[0]!);
    tuned.model.dispose();
    run.model.dispose();
  });
});
