import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { readPretrainConfig } from '../../examples/pretrain-bert/config.js';
import { buildPretrain } from '../../examples/pretrain-bert/recipe.js';
import { ROOT, shared } from '../helpers.js';

const CONFIGS = path.join(ROOT, 'examples', 'pretrain-bert', 'configs');

describe('examples/pretrain-bert', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => {
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-pretrain-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('every shipped config validates; mit-movie.yaml is the measured recipe', () => {
    const files = readdirSync(CONFIGS).filter((f) => f.endsWith('.yaml'));
    expect(files).to.include('mit-movie.yaml');
    for (const f of files) readPretrainConfig(['--config', path.join(CONFIGS, f)]);
    const cfg = readPretrainConfig(['--config', path.join(CONFIGS, 'mit-movie.yaml'), '--minutes', '5']);
    expect(cfg).to.include({
      model: 'mini',
      nerTrain: 'mit-movie',
      nerRepeat: 60,
      maxLen: 32,
      lr: 1e-3,
      dropout: 0,
      minutes: 5,
      brown: true,
    });
  });

  it('trains a tiny BERT on MIT Movie words for a few steps and writes a folder token classification loads', async () => {
    const cfg = readPretrainConfig([
      '--model',
      'tiny',
      '--brown',
      'false',
      '--nerTrain',
      'mit-movie',
      '--dataDir',
      shared('datasets'),
      '--epochs',
      '1',
      '--trainStepsPerEpoch',
      '3',
      '--batchSize',
      '4',
      '--maxLen',
      '16',
      '--restore',
      'false',
      '--outDir',
      dir,
      '--logSteps',
      '1',
      '--vocab',
      shared('vocab', 'bert-base-uncased-vocab.txt'),
    ]);
    const run = await buildPretrain(cfg);
    expect(run.data.evalData).to.equal(undefined);
    const summary = await run.estimator.fit();
    expect(run.counter.steps).to.equal(3);
    const losses = [...(summary.history.train?.mlm_loss?.values() ?? [])].map(Number);
    expect(losses).to.have.length(3);
    // A random 30,522-way head starts near ln(30522) = 10.3.
    for (const l of losses) expect(l).to.be.within(8, 12);
    // The optimizer's slots now exist: a second run of the loop leaves the tensor count where it was.
    const afterFirst = tf.memory().numTensors;
    await run.estimator.fit();
    expect(run.counter.steps).to.equal(6);
    expect(tf.memory().numTensors).to.equal(afterFirst);
    await fe.architecture.savePretrained(run.saved, dir);
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt']) expect(existsSync(path.join(dir, f)), f).to.equal(true);
    const ner = await fe.architecture.fromPretrained(dir, { architecture: 'BertForTokenClassification', config: { numLabels: 5 } });
    const a = run.model.namedWeights().get('bert.encoder.layer.1.output.dense.weight')!;
    const b = ner.namedWeights().get('bert.encoder.layer.1.output.dense.weight')!;
    expect(Buffer.from(b.dataSync().buffer).equals(Buffer.from(a.dataSync().buffer))).to.equal(true);
    ner.dispose();
    run.model.dispose();
  });
});
