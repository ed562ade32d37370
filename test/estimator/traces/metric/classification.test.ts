import { expect } from 'chai';
import fc from 'fast-check';
import { NDArray, type DataDict } from '@fets/pipeline';
import { Accuracy, ConfusionMatrix, Data, F1Score, Precision, Recall, System, type Trace } from '@fets/estimator';

/** Runs one epoch of a trace over batches directly and returns what it logged at the epoch end. */
function runEpoch(trace: Trace, batches: DataDict[]): Map<string, unknown> {
  trace.system = new System({ totalEpochs: 1, mode: 'eval' });
  trace.onEpochBegin(new Data());
  for (const b of batches) trace.onBatchEnd(new Data(b));
  const end = new Data();
  trace.onEpochEnd(end);
  return end.logs;
}

interface Batch {
  y: number[][];
  logits: number[][][];
}

const batchArb = (c: number) =>
  fc.integer({ min: 1, max: 5 }).chain((l) =>
    fc
      .record({
        y: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: c - 1 }), fc.constant(-100)), { minLength: l, maxLength: l }), {
          minLength: 1,
          maxLength: 4,
        }),
        logits: fc.constant(null),
      })
      .chain(({ y }) =>
        fc.record({
          y: fc.constant(y),
          logits: fc.array(
            fc.array(fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: c, maxLength: c }), { minLength: l, maxLength: l }),
            {
              minLength: y.length,
              maxLength: y.length,
            },
          ),
        }),
      ),
  );

const toBatch = (b: Batch): DataDict => ({
  y: NDArray.from(b.y, 'int32'),
  yPred: NDArray.from(b.logits, 'float32'),
});

/** Plain reference: flattened (true, predicted) pairs, argmax with first index on ties, -100 skipped. */
function pairs(batches: Batch[]): [number, number][] {
  const out: [number, number][] = [];
  for (const b of batches) {
    b.y.forEach((row, i) =>
      row.forEach((t, j) => {
        if (t === -100) return;
        const s = Array.from(Float32Array.from(b.logits[i]![j]!));
        out.push([t, s.indexOf(Math.max(...s))]);
      }),
    );
  }
  return out;
}

/** scikit-learn's precision/recall/f1 written from its definitions, over the sorted union of labels. */
function sk(ps: [number, number][], average: 'micro' | 'macro' | 'weighted') {
  const labels = [...new Set(ps.flat())].sort((a, b) => a - b);
  const per = labels.map((l) => {
    const tp = ps.filter(([t, p]) => t === l && p === l).length;
    const fp = ps.filter(([t, p]) => t !== l && p === l).length;
    const fn = ps.filter(([t, p]) => t === l && p !== l).length;
    return { tp, fp, fn, support: tp + fn };
  });
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const score = (x: { tp: number; fp: number; fn: number }) => ({
    p: div(x.tp, x.tp + x.fp),
    r: div(x.tp, x.tp + x.fn),
    f: div(2 * x.tp, 2 * x.tp + x.fp + x.fn),
  });
  if (average === 'micro') {
    return score(per.reduce((a, x) => ({ tp: a.tp + x.tp, fp: a.fp + x.fp, fn: a.fn + x.fn }), { tp: 0, fp: 0, fn: 0 }));
  }
  const w = per.map((x) => (average === 'weighted' ? x.support : 1));
  const ws = w.reduce((a, b) => a + b, 0);
  const avg = (k: 'p' | 'r' | 'f') =>
    div(
      per.reduce((a, x, i) => a + score(x)[k] * w[i]!, 0),
      ws,
    );
  return { p: avg('p'), r: avg('r'), f: avg('f') };
}

describe('estimator/traces/metric classification metrics', () => {
  it('Accuracy equals a plain count over random token batches with ignored positions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((c) => fc.array(batchArb(c), { minLength: 1, maxLength: 3 })),
        (batches) => {
          const ps = pairs(batches);
          const logs = runEpoch(new Accuracy({ trueKey: 'y', predKey: 'yPred', ignoreValue: -100 }), batches.map(toBatch));
          const acc = logs.get('accuracy') as number;
          if (ps.length === 0) return Number.isNaN(acc);
          return Math.abs(acc - ps.filter(([t, p]) => t === p).length / ps.length) < 1e-12;
        },
      ),
      { numRuns: 150 },
    );
  });

  it('Precision, Recall and F1Score match scikit-learn definitions for micro, macro and weighted', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((c) => fc.array(batchArb(c), { minLength: 1, maxLength: 3 })),
        fc.constantFrom('micro' as const, 'macro' as const, 'weighted' as const),
        (batches, average) => {
          const ps = pairs(batches);
          const ref = sk(ps, average);
          const data = batches.map(toBatch);
          const opts = { trueKey: 'y', predKey: 'yPred', ignoreValue: -100, average };
          const p = runEpoch(new Precision(opts), data).get('precision') as number;
          const r = runEpoch(new Recall(opts), data).get('recall') as number;
          const f = runEpoch(new F1Score(opts), data).get('f1_score') as number;
          expect(p).to.be.closeTo(ref.p, 1e-12);
          expect(r).to.be.closeTo(ref.r, 1e-12);
          expect(f).to.be.closeTo(ref.f, 1e-12);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reproduces scikit-learn's documented f1_score/precision_score example", () => {
    // sklearn docs: y_true = [0, 1, 2, 0, 1, 2], y_pred = [0, 2, 1, 0, 0, 1]
    const batch = { y: NDArray.from([0, 1, 2, 0, 1, 2], 'int32'), yPred: NDArray.from([0, 2, 1, 0, 0, 1], 'int32') };
    const f = (average: 'macro' | 'micro' | 'weighted' | 'none') =>
      runEpoch(new F1Score({ trueKey: 'y', predKey: 'yPred', average }), [batch]).get('f1_score');
    expect(f('macro')).to.be.closeTo(0.26666666, 1e-6);
    expect(f('micro')).to.be.closeTo(0.33333333, 1e-6);
    expect(f('weighted')).to.be.closeTo(0.26666666, 1e-6);
    expect(f('none')).to.deep.equal([0.8, 0, 0]);
    const p = runEpoch(new Precision({ trueKey: 'y', predKey: 'yPred', average: 'macro' }), [batch]).get('precision') as number;
    expect(p).to.be.closeTo(0.22222222, 1e-6);
  });

  it("binary: probabilities [B, 1] are thresholded at 0.5 and 'auto' scores the positive class", () => {
    const batch = {
      y: NDArray.from([[1], [0], [1], [1], [0]], 'int32'),
      yPred: NDArray.from([[0.9], [0.6], [0.4], [0.7], [0.5]], 'float32'),
    };
    // predicted: 1, 1, 0, 1, 0 → tp 2, fp 1, fn 1
    expect(runEpoch(new Precision({ trueKey: 'y', predKey: 'yPred' }), [batch]).get('precision')).to.be.closeTo(2 / 3, 1e-12);
    expect(runEpoch(new Recall({ trueKey: 'y', predKey: 'yPred' }), [batch]).get('recall')).to.be.closeTo(2 / 3, 1e-12);
    expect(runEpoch(new Accuracy({ trueKey: 'y', predKey: 'yPred' }), [batch]).get('accuracy')).to.be.closeTo(3 / 5, 1e-12);
  });

  it('one-hot float labels are argmaxed; maskKey drops positions', () => {
    const batch = {
      y: NDArray.from(
        [
          [0, 1, 0],
          [1, 0, 0],
          [0, 0, 1],
        ],
        'float32',
      ),
      yPred: NDArray.from(
        [
          [0.1, 0.8, 0.1],
          [0.2, 0.7, 0.1],
          [0.1, 0.1, 0.8],
        ],
        'float32',
      ),
      m: NDArray.from([1, 0, 1], 'int32'),
    };
    expect(runEpoch(new Accuracy({ trueKey: 'y', predKey: 'yPred' }), [batch]).get('accuracy')).to.be.closeTo(2 / 3, 1e-12);
    expect(runEpoch(new Accuracy({ trueKey: 'y', predKey: 'yPred', maskKey: 'm' }), [batch]).get('accuracy')).to.equal(1);
  });

  it('ConfusionMatrix counts true rows × predicted columns and equals the pair counts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 5 }).chain((c) => fc.tuple(fc.constant(c), fc.array(batchArb(c), { minLength: 1, maxLength: 3 }))),
        ([c, batches]) => {
          const m = runEpoch(
            new ConfusionMatrix({ trueKey: 'y', predKey: 'yPred', numClasses: c, ignoreValue: -100 }),
            batches.map(toBatch),
          ).get('confusion_matrix') as number[][];
          const ref = Array.from({ length: c }, () => new Array<number>(c).fill(0));
          for (const [t, p] of pairs(batches)) ref[t]![p]!++;
          expect(m).to.deep.equal(ref);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('errors name the trace and key: shape mismatch, label outside numClasses, unknown option', () => {
    const bad = { y: NDArray.from([1, 0], 'int32'), yPred: NDArray.from([0.1, 0.2, 0.3], 'float32') };
    expect(() => runEpoch(new Accuracy({ trueKey: 'y', predKey: 'yPred' }), [bad])).to.throw(
      /Accuracy: key "yPred": predictions of shape \[3\]/,
    );
    const out = { y: NDArray.from([-100, 0], 'int32'), yPred: NDArray.from([0, 0], 'int32') };
    expect(() => runEpoch(new ConfusionMatrix({ trueKey: 'y', predKey: 'yPred', numClasses: 2 }), [out])).to.throw(
      /label -100 is outside \[0, 2\).*ignoreValue/,
    );
    expect(() => new F1Score({ trueKey: 'y', predKey: 'yPred', averge: 'macro' } as never)).to.throw(
      /F1Score: unknown option "averge", did you mean "average"/,
    );
    expect(new Accuracy({ trueKey: 'y', predKey: 'p' }).modes).to.deep.equal(new Set(['eval', 'test']));
  });
});
