import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { AdamW, LrGroups, bertCrfForTokenClassification, bertPreset, fromPretrained, savePretrained } from '@fets/network';

describe('network/ops/crf: the CRF head in a model', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('BertCrfForTokenClassification saves its transitions in model.safetensors and fromPretrained({ crf }) loads them', async () => {
    const labels = ['O', 'B-A', 'I-A'];
    const model = bertCrfForTokenClassification(
      bertPreset('tiny', { vocabSize: 50, id2label: labels, seed: 0, maxPositionEmbeddings: 16 }),
    );
    expect([...model.namedWeights().keys()].filter((k) => k.startsWith('crf.'))).to.deep.equal([
      'crf.transitions',
      'crf.start_transitions',
      'crf.end_transitions',
    ]);
    expect(model.trainableWeights()).to.include(model.crf.transitions);
    // IOB2 labels: decoding forbids O → I-A.
    expect(model.crf.constraints!.allowed[0 * 3 + 2]).to.equal(0);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-crf-'));
    try {
      await savePretrained(model, dir);
      const back = await fromPretrained(dir, { crf: true, log: () => {} });
      expect('crf' in back).to.equal(true);
      const crf = (back as typeof model).crf;
      expect(Array.from(crf.transitions.dataSync())).to.deep.equal(Array.from(model.crf.transitions.dataSync()));
      expect(Array.from(crf.endTransitions.dataSync())).to.deep.equal(Array.from(model.crf.endTransitions.dataSync()));
      back.dispose();
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('LrGroups updates a matching variable at scale × the base rate, state round-trips', async () => {
    const a = tf.variable(tf.tensor1d([1, 1]), true, 'lrg_test/encoder.w');
    const b = tf.variable(tf.tensor1d([1, 1]), true, 'lrg_test/crf.transitions');
    const opt = new LrGroups({
      optimizer: () => new AdamW({ learningRate: 0.01, weightDecay: 0 }),
      groups: [{ match: '/crf.', scale: 10 }],
    });
    expect(opt.learningRate).to.equal(0.01);
    opt.learningRate = 0.001;
    expect((opt.inner[0] as AdamW).learningRate).to.be.closeTo(0.01, 1e-12);
    // Adam's first step moves each weight by about lr (sign of the gradient).
    opt.applyGradients({ [a.name]: tf.tensor1d([1, 1]), [b.name]: tf.tensor1d([1, 1]) });
    expect(1 - a.dataSync()[0]!).to.be.closeTo(0.001, 1e-6);
    expect(1 - b.dataSync()[0]!).to.be.closeTo(0.01, 1e-6);
    const state = await opt.getWeights();
    expect(state.map((w) => w.name)).to.include.members(['base:lrg_test/encoder.w/m', 'g0:lrg_test/crf.transitions/v']);
    const other = new LrGroups({
      optimizer: () => new AdamW({ learningRate: 0.01, weightDecay: 0 }),
      groups: [{ match: '/crf.', scale: 10 }],
    });
    await other.setWeights(state);
    expect((await other.getWeights()).map((w) => w.name)).to.deep.equal(state.map((w) => w.name));
    opt.dispose();
    other.dispose();
    tf.dispose([a, b]);
  });
});
