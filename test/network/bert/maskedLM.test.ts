import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { expect } from 'chai';
import {
  BertForMaskedLM,
  BertInputError,
  CrossEntropy,
  bertForMaskedLM,
  fromPretrained,
  readSafetensors,
  savePretrained,
  serializeSafetensors,
  type SafetensorsF32Entry,
} from '@fets/network';
import { forEachBackend } from '../backends.js';

const tiny = {
  vocabSize: 60,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 4,
  intermediateSize: 32,
  maxPositionEmbeddings: 16,
  hiddenDropoutProb: 0,
  attentionProbsDropoutProb: 0,
};

const CLS_NAMES = [
  'cls.predictions.bias',
  'cls.predictions.transform.LayerNorm.bias',
  'cls.predictions.transform.LayerNorm.weight',
  'cls.predictions.transform.dense.bias',
  'cls.predictions.transform.dense.weight',
];

const bits = (t: tf.Tensor) => Buffer.from(t.dataSync().buffer);

function batch() {
  const ids = tf.tensor2d(
    [
      [2, 10, 11, 12, 13, 3, 0, 0],
      [2, 20, 21, 22, 23, 24, 25, 3],
    ],
    undefined,
    'int32',
  );
  const mask = tf.tensor2d(
    [
      [1, 1, 1, 1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1, 1, 1, 1],
    ],
    undefined,
    'int32',
  );
  const positions = tf.tensor2d(
    [
      [1, 3, 0],
      [2, 5, 6],
    ],
    undefined,
    'int32',
  );
  const labels = tf.tensor2d(
    [
      [40, 41, -100],
      [42, 43, 44],
    ],
    undefined,
    'int32',
  );
  return { ids, mask, positions, labels };
}

describe('BertForMaskedLM (architectures/bert/maskedLM)', function () {
  forEachBackend(['wasm', 'cpu'], () => {
    it('computes at the gathered positions exactly the logits of the full sequence there', function () {
      const model = bertForMaskedLM({ ...tiny, seed: 1 });
      const { ids, mask, positions } = batch();
      const before = tf.memory().numTensors;
      const [full, gathered] = [model.call([ids, mask], false), model.call([ids, mask, positions], false)];
      expect(full.shape).to.deep.equal([2, 8, 60]);
      expect(gathered.shape).to.deep.equal([2, 3, 60]);
      const f = full.arraySync() as number[][][];
      const g = gathered.arraySync() as number[][][];
      const pos = positions.arraySync() as number[][];
      let worst = 0;
      for (let b = 0; b < 2; b++)
        for (let s = 0; s < 3; s++) for (let v = 0; v < 60; v++) worst = Math.max(worst, Math.abs(g[b]![s]![v]! - f[b]![pos[b]![s]!]![v]!));
      expect(worst).to.be.below(1e-5);
      tf.dispose([full, gathered]);
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([ids, mask, positions]);
      model.dispose();
    });

    it('ties the decoder to the word embeddings: one variable, whose gradient comes from both uses', function () {
      const model = bertForMaskedLM({ ...tiny, seed: 2 });
      const names = [...model.namedWeights().keys()];
      expect(names.filter((n) => n.startsWith('cls.')).sort()).to.deep.equal(CLS_NAMES);
      expect(names.some((n) => n.includes('decoder') || n.includes('pooler'))).to.equal(false);
      const vars = model.trainableWeights();
      expect(new Set(vars).size).to.equal(vars.length);
      expect(vars.length).to.equal(names.length);
      const emb = model.wordEmbeddings;
      expect(vars.filter((v) => v === emb)).to.have.length(1);
      const { ids, mask, positions, labels } = batch();
      const ce = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100 });
      const { grads } = tf.variableGrads(() => ce.forward([model.call([ids, mask, positions], true), labels]) as tf.Scalar, [emb]);
      const g = grads[emb.name]!.arraySync() as number[][];
      const rowNorm = (r: number) => Math.hypot(...g[r]!);
      expect(rowNorm(41), 'a label row absent from the inputs: decoder gradient only').to.be.above(0);
      expect(rowNorm(59), 'a row used nowhere still gets the softmax gradient').to.be.above(0);
      expect(rowNorm(10), 'an input row').to.be.above(0);
      tf.dispose([ids, mask, positions, labels, ...Object.values(grads)]);
      model.dispose();
    });
  });

  describe('on cpu', function () {
    before(async function () {
      await tf.setBackend('cpu');
    });

    it('learns: the masked-LM loss falls on a tiny overfit run', function () {
      const model = bertForMaskedLM({ ...tiny, seed: 3 });
      const { ids, mask, positions, labels } = batch();
      const ce = new CrossEntropy({ inputs: ['p', 'y'], outputs: 'l', fromLogits: true, ignoreIndex: -100 });
      const opt = tf.train.adam(0.01);
      const losses: number[] = [];
      for (let step = 0; step < 40; step++) {
        const loss = opt.minimize(
          () => ce.forward([model.call([ids, mask, positions], true), labels]) as tf.Scalar,
          true,
          model.trainableWeights(),
        )!;
        losses.push(loss.dataSync()[0]!);
        loss.dispose();
      }
      expect(losses[0]).to.be.closeTo(Math.log(60), 0.5);
      expect(losses[losses.length - 1]).to.be.below(0.2 * losses[0]!);
      opt.dispose();
      tf.dispose([ids, mask, positions, labels]);
      model.dispose();
    });

    it('rejects positions of the wrong shape', function () {
      const model = bertForMaskedLM({ ...tiny, seed: 4 });
      const { ids, mask } = batch();
      const bad = tf.tensor1d([1, 2], 'int32');
      expect(() => model.call([ids, mask, bad], false)).to.throw(
        BertInputError,
        /maskedPositions: expected shape \[2, P\], received \[2\]/,
      );
      tf.dispose([ids, mask, bad]);
      model.dispose();
    });

    it('savePretrained → fromPretrained round-trips bit-exactly under HF names; HF decoder keys load silently (tied)', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-mlm-'));
      const model = bertForMaskedLM({ ...tiny, seed: 5 });
      const lines: string[] = [];
      try {
        // Move every parameter off its initial value so the check cannot pass by re-initialisation.
        for (const v of model.trainableWeights()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 9))));
        model.vocab = Array.from({ length: 60 }, (_, i) => `t${i}`);
        await savePretrained(model, dir);
        const written = await readSafetensors(path.join(dir, 'model.safetensors'));
        expect([...written.tensors.keys()].filter((k) => k.startsWith('cls.'))).to.deep.equal(CLS_NAMES);
        expect(written.tensors.has('bert.embeddings.word_embeddings.weight')).to.equal(true);
        const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
        expect(config.architectures).to.deep.equal(['BertForMaskedLM']);
        expect(config).to.not.have.property('id2label');
        const again = await fromPretrained(dir, { architecture: 'BertForMaskedLM', log: (l) => lines.push(l) });
        expect(again).to.be.instanceOf(BertForMaskedLM);
        expect(lines).to.deep.equal([]);
        expect(again.vocab).to.deep.equal(model.vocab);
        const a = again.namedWeights();
        for (const [k, v] of model.namedWeights()) expect(bits(a.get(k)!).equals(bits(v)), k).to.equal(true);
        again.dispose();

        // As transformers writes an MLM when it keeps the tied decoder: extra decoder keys are accepted without a report.
        const entries = new Map<string, SafetensorsF32Entry>();
        for (const [k, t] of written.tensors) entries.set(k, { shape: t.shape, data: t.data as Float32Array });
        entries.set('cls.predictions.decoder.weight', entries.get('bert.embeddings.word_embeddings.weight')!);
        entries.set('cls.predictions.decoder.bias', entries.get('cls.predictions.bias')!);
        writeFileSync(path.join(dir, 'model.safetensors'), serializeSafetensors(entries, { format: 'pt' }));
        const hf = await fromPretrained(dir, { architecture: 'BertForMaskedLM', log: (l) => lines.push(l) });
        expect(lines).to.deep.equal([]);
        expect(bits(hf.wordEmbeddings).equals(bits(model.wordEmbeddings))).to.equal(true);
        hf.dispose();
      } finally {
        model.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('a BertForTokenClassification from an MLM folder gets the encoder exactly and reports cls.* and the new head in one line each', async function () {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'fets-mlm-'));
      const model = bertForMaskedLM({ ...tiny, seed: 6 });
      try {
        for (const v of model.trainableWeights()) v.assign(tf.tidy(() => tf.add(v, tf.randomNormal(v.shape, 0, 0.1, 'float32', 8))));
        await savePretrained(model, dir);
        const lines: string[] = [];
        const tok = await fromPretrained(dir, { id2label: ['O', 'B-X', 'I-X'], seed: 0, log: (l) => lines.push(l) });
        expect(lines).to.deep.equal([
          `Some weights of BertForTokenClassification were not initialized from the model checkpoint at ${dir} and are newly initialized: ['classifier.bias', 'classifier.weight']`,
          `Some weights of the model checkpoint at ${dir} were not used when initializing BertForTokenClassification: [${CLS_NAMES.map((n) => `'${n}'`).join(', ')}]`,
        ]);
        const mine = model.namedWeights();
        let compared = 0;
        for (const [k, v] of tok.namedWeights()) {
          if (!k.startsWith('bert.')) continue;
          expect(bits(v).equals(bits(mine.get(k)!)), k).to.equal(true);
          compared++;
        }
        expect(compared).to.equal([...mine.keys()].filter((k) => k.startsWith('bert.')).length);
        expect(tok.labels).to.deep.equal(['O', 'B-X', 'I-X']);
        tok.dispose();
      } finally {
        model.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
