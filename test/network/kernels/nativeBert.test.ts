import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import {
  type BertForTokenClassification,
  bertForTokenClassification,
  fromPretrained,
  initBackend,
  setKernelOverrides,
} from '@fets/network';
import { nativeAddon } from '@fets/network/kernels';
import { shared } from '../../helpers.js';

const native = nativeAddon();
const FIXTURE = shared('fixtures', 'bert-tiny-random');

interface Case {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  last_hidden_state: number[][][];
  logits: number[][][];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).to.equal(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('native kernels: BERT through the fused paths (attention, residual LayerNorm, packed weights)', function () {
  this.timeout(120000);
  let tok: BertForTokenClassification;
  before(async function () {
    if (!native) this.skip();
    await initBackend({ quiet: true });
    await tf.setBackend('wasm');
    setKernelOverrides(true);
    tok = await fromPretrained(FIXTURE, { log: () => {} });
  });
  after(() => tok?.dispose());

  it("inference reproduces Hugging Face's hidden states and logits on every fixture case, masks included (< 1e-4)", () => {
    const cases = (JSON.parse(readFileSync(path.join(FIXTURE, 'cases.json'), 'utf8')) as { cases: Case[] }).cases;
    expect(
      cases.some((c) => c.attention_mask.flat().includes(0)),
      'a case with padding',
    ).to.equal(true);
    for (const c of cases) {
      for (let pass = 0; pass < 2; pass++) {
        // The second pass runs on the weights packed by the first.
        const before = tf.memory().numTensors;
        const [hidden, logits] = tf.tidy(() => {
          const ids = tf.tensor2d(c.input_ids, undefined, 'int32');
          const out = tok.forward(
            [ids, tf.tensor2d(c.attention_mask, undefined, 'int32'), tf.tensor2d(c.token_type_ids, undefined, 'int32')],
            false,
            true,
          );
          return [out.lastHiddenState!, out.logits].map((t) => t.dataSync());
        });
        expect(tf.memory().numTensors).to.equal(before);
        expect(maxAbsDiff(logits!, c.logits.flat(2))).to.be.below(1e-4);
        expect(maxAbsDiff(hidden!, c.last_hidden_state.flat(2))).to.be.below(1e-4);
      }
    }
  });

  it('a training step (residual LayerNorm fused, native LayerNorm gradient) gives the gradients of the WebAssembly kernels', () => {
    const model = bertForTokenClassification({
      vocabSize: 60,
      hiddenSize: 24,
      numHiddenLayers: 2,
      numAttentionHeads: 3,
      intermediateSize: 40,
      maxPositionEmbeddings: 16,
      numLabels: 5,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
      seed: 3,
    });
    const ids = tf.tensor2d([1, 5, 9, 13, 40, 2, 7, 0, 3, 33, 21, 8, 0, 0], [2, 7], 'int32');
    const mask = tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 7], 'int32');
    const grads = () =>
      tf.tidy(() => {
        const { value, grads: g } = tf.variableGrads(
          () => tf.sum(tf.square(model.call([ids, mask], true) as tf.Tensor)) as tf.Scalar,
          model.trainableWeights(),
        );
        return [value, ...Object.values(g)].map((t) => t.dataSync() as Float32Array);
      });
    try {
      const on = grads();
      setKernelOverrides({ Native: false });
      const off = grads();
      setKernelOverrides({ Native: true });
      expect(on.length).to.equal(off.length);
      for (let i = 0; i < on.length; i++) {
        const scale = Math.max(1e-3, ...Array.from(off[i]!, Math.abs));
        expect(maxAbsDiff(on[i]!, off[i]!) / scale, `gradient ${i}`).to.be.below(1e-4);
      }
    } finally {
      setKernelOverrides({ Native: true });
      tf.dispose([ids, mask]);
      model.dispose();
    }
  });
});
