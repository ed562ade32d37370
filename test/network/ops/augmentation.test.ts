import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '@fets/pipeline';
import { CutMixBatch, MixUpBatch, makeStepState } from '@fets/network';

describe('network/ops: MixUp and CutMix on a batch', () => {
  before(() => tf.setBackend('cpu'));

  it('MixUpBatch: λ·x + (1 − λ)·(the batch shifted by one), the same λ for images and labels; seeded', () => {
    const x = tf.tensor4d([1, 2, 3, 4], [4, 1, 1, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3);
    const op = new MixUpBatch({ inputs: ['x', 'y'], outputs: ['x', 'y'], alpha: 0.4 });
    const s = () => makeStepState({ mode: 'train', random: seededRandom(9) });
    const [mx, my] = op.forward([x, y], s()) as tf.Tensor[];
    const v = Array.from(mx!.dataSync());
    const lam = (v[1]! - 1) / (2 - 1); // row 1 mixes 2 with row 0's 1
    for (const [i, prev] of [
      [0, 3],
      [1, 0],
      [2, 1],
      [3, 2],
    ]) {
      expect(v[i]).to.be.closeTo(lam * (i + 1) + (1 - lam) * (prev + 1), 1e-5);
    }
    for (const rowSum of tf.sum(my!, 1).arraySync() as number[]) expect(rowSum).to.be.closeTo(1, 1e-6);
    const [again] = op.forward([x, y], s()) as tf.Tensor[];
    expect(Array.from(again!.dataSync())).to.deep.equal(v);
    tf.dispose([x, y, mx!, my!, again!]);
  });

  it("CutMixBatch: a box from the shifted batch; the labels mix by the box's share of the image", () => {
    const x = tf.concat([tf.zeros([1, 8, 8, 1]), tf.ones([1, 8, 8, 1])], 0) as tf.Tensor4D;
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const op = new CutMixBatch({ inputs: ['x', 'y'], outputs: ['x', 'y'] });
    for (let seed = 0; seed < 20; seed++) {
      const [mx, my] = op.forward([x, y], makeStepState({ mode: 'train', random: seededRandom(seed) })) as tf.Tensor[];
      const pasted = tf.sum(tf.slice(mx!, [0], [1])).dataSync()[0]! / 64; // ones pasted into image 0
      const labels = my!.arraySync() as number[][];
      expect(labels[0]![1]).to.be.closeTo(pasted, 1e-6);
      expect(labels[0]![0]! + labels[0]![1]!).to.be.closeTo(1, 1e-6);
      tf.dispose([mx!, my!]);
    }
    tf.dispose([x, y]);
  });
});
