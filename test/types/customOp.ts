/**
 * A custom op written as the README now shows (a `const` options parameter: no more lines than before) gets typed keys:
 * its wrong input is a compile error, its output a key later ops may read. A custom trace the same way. Type-checked by
 * `npm test`; never run.
 */
import { z } from 'zod';
import * as fe from '@fets/estimator';

declare const train: fe.dataset.ConllDataset;
declare const model: fe.Model;

const scaleOptions = fe.opOptionsSchema.extend({
  /** Multiplier applied to the input. */
  factor: z.number().positive(),
});
class Scale<const O extends z.input<typeof scaleOptions>> extends fe.op.NumpyOp<typeof scaleOptions, O> {
  constructor(options: O) {
    super(options, scaleOptions);
  }
  forward(x: number) {
    return x * this.options.factor;
  }
}

/** A trace with typed keys: `Trace<O>` and a `const` options parameter. */
class CountSamples<const O extends fe.TraceOptions> extends fe.Trace<O> {
  n = 0;
  override onBatchEnd() {
    this.n++;
  }
}

export function typedCustomOp() {
  return new fe.Pipeline({
    trainData: train,
    ops: [
      new Scale({ inputs: 'words', outputs: 'scaled', factor: 2 }),
      new fe.op.numpyop.LambdaOp({ fn: (s: number) => s, inputs: 'scaled', outputs: 'z' }),
      // @ts-expect-error scaledd is read but no data set or earlier op provides it (mode train)
      new Scale({ inputs: 'scaledd', outputs: 'z2', factor: 2 }),
    ],
  });
}

export function typedCustomTrace() {
  const pipeline = new fe.Pipeline({ trainData: train, evalData: train });
  const network = new fe.Network([
    new fe.op.ModelOp({ model, inputs: 'words', outputs: 'yPred' }),
    new fe.op.CrossEntropy({ inputs: ['yPred', 'tags'], outputs: 'ce' }),
    new fe.op.UpdateOp({ model, lossName: 'ce' }),
  ]);
  return [
    new fe.Estimator({ pipeline, network, epochs: 1, traces: [new CountSamples({ inputs: 'yPred', mode: 'eval' })] }),
    // @ts-expect-error yPre is read but neither the Pipeline, the Network nor a trace provides it (mode eval)
    new fe.Estimator({ pipeline, network, epochs: 1, traces: [new CountSamples({ inputs: 'yPre', mode: 'eval' })] }),
  ];
}
