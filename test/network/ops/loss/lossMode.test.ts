import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { CrossEntropy, ModelOp, Network, UpdateOp, build } from '@fets/network';
import type { NDArray } from '@fets/pipeline';
import { classBatch, denseModel } from '../../netFixtures.js';

describe('network/losses: modes', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('losses run in every mode but infer by default, so network.transform needs no labels', async () => {
    const model = build(() => denseModel(4, 3, 1), 'sgd', { modelName: 'm' });
    const ce = new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce' });
    const net = new Network([new ModelOp({ model, inputs: 'x', outputs: 'yPred' }), ce, new UpdateOp({ model, lossName: 'ce' })]);
    expect([...ce.modes!].sort()).to.deep.equal(['eval', 'test', 'train']);
    expect(net.requiredKeys('infer')).to.deep.equal(['x']);
    const { x } = classBatch(2, 4, 3, 0);
    const out = await net.transform({ x }, 'infer');
    expect((out.yPred as NDArray).shape).to.deep.equal([2, 3]);
    expect(out).to.not.have.property('ce');
    expect(net.requiredKeys('eval').sort()).to.deep.equal(['x', 'y']);
    const always = new CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce2', mode: null });
    expect(always.modes).to.equal(null);
  });
});
