/**
 * The recipes' own training paths on WebGPU, built by the recipes' code: masked-LM pretraining of a BERT-tiny
 * (examples/pretrain-bert: BertForMaskedLM, the decoder tied to the word embeddings, the loss at the masked positions,
 * AdamW with clipping, dropout on) and ResNet9 (examples/cifar10: convolutions, batch normalisation in training mode,
 * pooling, Adam). Each learns one batch, keeps the tensor count flat and reads back only the loss of each step.
 */
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { getOptimizer } from '@fets/network';
import { NDArray } from '@fets/pipeline';
import { cifarConfigSchema } from '../../../../examples/cifar10/config.js';
import { cifarModel, cifarNetwork } from '../../../../examples/cifar10/recipe.js';
import { pretrainConfigSchema } from '../../../../examples/pretrain-bert/config.js';
import { buildPretrainModel, maxPredictionsOf, mlmNetworkOps, pretrainPreset } from '../../../../examples/pretrain-bert/recipe.js';
import { rng } from './compare.js';
import { trainSteps } from './steps.js';

describe('webgpu: the recipes train', function () {
  this.timeout(240_000);

  it('pretrain-bert: BERT-tiny masked-LM (tied decoder, masked-position loss, dropout 0.1) learns; flat tensors; one read per step', async () => {
    const cfg = pretrainConfigSchema.parse({ model: 'tiny', maxLen: 16, maskProb: 0.2, lr: 2e-3, dropout: 0.1, seed: 4 });
    const V = 48;
    const MASK = 3;
    const model = buildPretrainModel(cfg, fe.architecture.bertForMaskedLM(pretrainPreset(cfg, V)));
    const network = new fe.Network(mlmNetworkOps(cfg, model));
    const B = 4;
    const L = cfg.maxLen;
    const P = maxPredictionsOf(cfg);
    const r = rng(11);
    const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L === 0 ? 1 : i % L === L - 1 ? 2 : 5 + Math.floor(r() * (V - 5))));
    const mask = Int32Array.from({ length: B * L }, (_, i) => (i % L < L - 2 * (i % 2) ? 1 : 0));
    const positions = new Int32Array(B * P);
    const labels = new Int32Array(B * P);
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < P; p++) {
        const pos = 1 + ((b * 5 + p * 4) % (L - 4));
        positions[b * P + p] = pos;
        // The last slot of every other row is padding (label ignored), as MaskTokens pads short rows.
        labels[b * P + p] = p === P - 1 && b % 2 === 1 ? -100 : ids[b * L + pos]!;
        if (labels[b * P + p] !== -100) ids[b * L + pos] = MASK;
      }
    }
    const batch = {
      x: new NDArray(ids, [B, L], 'int32'),
      xMask: new NDArray(mask, [B, L], 'int32'),
      maskedPositions: new NDArray(positions, [B, P], 'int32'),
      maskedLabels: new NDArray(labels, [B, P], 'int32'),
    };
    const t = await trainSteps(network, batch, 8, 'mlm_loss');
    expect(t.end, 'tensor count after step 3 and after the last').to.equal(t.after3);
    expect(t.losses.every(Number.isFinite)).to.equal(true);
    expect(t.losses[0]!, 'first loss near ln V').to.be.closeTo(Math.log(V), 0.5);
    expect(t.losses.at(-1)!).to.be.below(t.losses[0]! * 0.5);
    expect(new Set(t.reads.slice(1))).to.deep.equal(new Set([1]));
    model.dispose();
    getOptimizer(model).dispose();
  });

  it('cifar10: ResNet9 (width 8, batch norm in training mode, Adam) learns a batch of 32×32×3; flat tensors; one read per step', async () => {
    const cfg = cifarConfigSchema.parse({ width: 8, lr: 3e-3, seed: 2 });
    const model = cifarModel(cfg, [32, 32, 3], 10);
    const network = cifarNetwork(model);
    const B = 4;
    const r = rng(17);
    const x = Float32Array.from({ length: B * 32 * 32 * 3 }, () => 2 * r() - 1);
    const batch = { x: new NDArray(x, [B, 32, 32, 3], 'float32'), y: new NDArray(Int32Array.from([3, 7, 0, 5]), [B], 'int32') };
    const t = await trainSteps(network, batch, 6, 'ce');
    expect(t.end, 'tensor count after step 3 and after the last').to.equal(t.after3);
    expect(t.losses.every(Number.isFinite)).to.equal(true);
    expect(t.losses.at(-1)!).to.be.below(t.losses[0]! * 0.5);
    expect(new Set(t.reads.slice(1))).to.deep.equal(new Set([1]));
    model.dispose();
  });
});
