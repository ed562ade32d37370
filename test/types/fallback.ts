/**
 * Where a key is not known at compile time the check stays silent and the run-time one decides: an op list held in a
 * variable, a computed key, an untyped data set, a custom op written as the README showed before (no `const`
 * options), a custom trace. All of these compile; type-checked by `npm test`, never run.
 */
import { z } from 'zod';
import * as fe from '@fets/estimator';

declare const train: fe.dataset.ConllDataset;
declare const untyped: fe.dataset.Dataset;
declare const model: fe.Model;
declare const keyFromConfig: string;

const scaleOptions = fe.opOptionsSchema.extend({
  /** Multiplier applied to the input. */
  factor: z.number().positive(),
});
/** A custom op as the README wrote it before: no typed keys, so no check and no complaint. */
class Scale extends fe.op.NumpyOp<typeof scaleOptions> {
  constructor(options: z.input<typeof scaleOptions>) {
    super(options, scaleOptions);
  }
  forward(x: number) {
    return x * this.options.factor;
  }
}

/** A custom trace without typed keys. */
class CountSamples extends fe.Trace {
  n = 0;
  override onBatchEnd() {
    this.n++;
  }
}

export function opsInAVariable() {
  const ops = [new fe.op.AttentionMask({ inputs: 'xx', outputs: 'xMask' })];
  return new fe.Pipeline({ trainData: train, ops });
}

export function computedKey() {
  return new fe.Pipeline({ trainData: train, ops: [new fe.op.AttentionMask({ inputs: keyFromConfig, outputs: 'xMask' })] });
}

export function untypedDataSet() {
  return new fe.Pipeline({ trainData: untyped, ops: [new fe.op.AttentionMask({ inputs: 'anything', outputs: 'xMask' })] });
}

export function untypedCustomOp() {
  // Scale may write any key: what follows it is not checked.
  return new fe.Pipeline({
    trainData: train,
    ops: [new Scale({ inputs: 'words', outputs: 'z', factor: 2 }), new fe.op.AttentionMask({ inputs: 'z', outputs: 'zMask' })],
  });
}

export function conditionalSpread(flag: boolean) {
  return new fe.Pipeline({
    trainData: train,
    ops: [...(flag ? [new fe.op.AttentionMask({ inputs: 'xx', outputs: 'm' })] : [])],
  });
}

export function untypedTraceAndComputedNetworkKey() {
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: keyFromConfig, outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'tags'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  return new fe.Estimator({
    pipeline: new fe.Pipeline({ trainData: train }),
    network,
    epochs: 1,
    traces: [new CountSamples({ inputs: 'whatever' }), new fe.trace.Accuracy({ trueKey: 'tags', predKey: 'somethingCustom' })],
  });
}

/** Typed pipelines, networks and traces still go where the untyped types are expected. */
export function assignable(p: ReturnType<typeof computedKey>): fe.Pipeline {
  const t: fe.trace.SeqEval = new fe.trace.SeqEval({ trueKey: 'y', predKey: 'yPred', labels: ['O'] });
  const op: fe.op.BertTokenize = new fe.op.BertTokenize({ inputs: ['words'], outputs: ['x'], tokenizer: null as never });
  void t;
  void op;
  return p;
}
