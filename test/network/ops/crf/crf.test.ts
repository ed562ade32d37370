import { expect } from 'chai';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import {
  CrfLoss,
  LinearChainCrf,
  TagDecode,
  compactEmissions,
  countInvalidIob2,
  crfLogPartition,
  iob2Constraints,
  positionsFromLabels,
  stepMask,
  viterbiPath,
} from '@fets/network';

/** Every tag path of length T over C tags. */
function* paths(T: number, C: number): Generator<number[]> {
  const p = new Array<number>(T).fill(0);
  for (;;) {
    yield [...p];
    let k = T - 1;
    while (k >= 0 && p[k] === C - 1) p[k--] = 0;
    if (k < 0) return;
    p[k]! += 1;
  }
}

interface Chain {
  e: number[][]; // [T][C]
  trans: number[]; // C*C
  start: number[];
  end: number[];
}

const pathScore = (c: Chain, p: number[]) => {
  const C = c.start.length;
  let s = c.start[p[0]!]! + c.end[p.at(-1)!]!;
  p.forEach((y, t) => {
    s += c.e[t]![y]!;
    if (t > 0) s += c.trans[p[t - 1]! * C + y]!;
  });
  return s;
};

/** log Σ exp(score) over all paths, in float64. */
const bruteLogZ = (c: Chain) => {
  const scores = [...paths(c.e.length, c.start.length)].map((p) => pathScore(c, p));
  const m = Math.max(...scores);
  return m + Math.log(scores.reduce((a, s) => a + Math.exp(s - m), 0));
};

const chainArb = (maxT: number, maxC: number) =>
  fc.integer({ min: 1, max: maxC }).chain((C) =>
    fc.integer({ min: 1, max: maxT }).chain((T) => {
      const v = fc.double({ min: -2, max: 2, noNaN: true });
      return fc.record({
        e: fc.array(fc.array(v, { minLength: C, maxLength: C }), { minLength: T, maxLength: T }),
        trans: fc.array(v, { minLength: C * C, maxLength: C * C }),
        start: fc.array(v, { minLength: C, maxLength: C }),
        end: fc.array(v, { minLength: C, maxLength: C }),
      });
    }),
  );

function crfOf(c: Chain): LinearChainCrf {
  const C = c.start.length;
  const crf = new LinearChainCrf({ numTags: C, seed: 0 });
  crf.transitions.assign(tf.tensor2d(c.trans, [C, C]));
  crf.startTransitions.assign(tf.tensor1d(c.start));
  crf.endTransitions.assign(tf.tensor1d(c.end));
  return crf;
}

describe('network/ops/crf: linear-chain CRF', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('log-partition equals brute-force enumeration, and padding with -100 positions changes nothing', () => {
    fc.assert(
      fc.property(chainArb(4, 4), fc.integer({ min: 0, max: 3 }), (c, pad) => {
        const crf = crfOf(c);
        const T = c.e.length;
        const C = c.start.length;
        // One sentence of T labelled positions spread over L = T + pad + 2 positions ([CLS], sub-words, [SEP]).
        const L = T + pad + 2;
        const labels = new Array<number>(L).fill(-100);
        const emissions = Array.from({ length: L }, () => new Array<number>(C).fill(5));
        for (let t = 0; t < T; t++) {
          labels[1 + t] = 0;
          emissions[1 + t] = c.e[t]!;
        }
        const got = tf.tidy(() => {
          const pos = positionsFromLabels(labels, 1, L, -100);
          return crfLogPartition(compactEmissions(tf.tensor3d([emissions]), pos), stepMask(pos), crf).dataSync()[0]!;
        });
        crf.dispose();
        expect(got).to.be.closeTo(bruteLogZ(c), 1e-4 * Math.max(1, Math.abs(bruteLogZ(c))));
      }),
      { numRuns: 60 },
    );
  });

  it('CrfLoss is the mean NLL of the gold paths over a batch of ragged sentences', () => {
    fc.assert(
      fc.property(fc.array(chainArb(3, 3), { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 1000 }), (chains, seed) => {
        // All chains share the first one's transitions and tag count; their lengths differ.
        const C = chains[0]!.start.length;
        const sents = chains.map((c) => ({
          ...chains[0]!,
          e: c.e.map((row) => row.slice(0, C).concat(new Array(Math.max(0, C - row.length)).fill(0))),
        }));
        const L = Math.max(...sents.map((s) => s.e.length)) + 2;
        const labels: number[][] = [];
        const emissions: number[][][] = [];
        let want = 0;
        let n = 0;
        sents.forEach((s, b) => {
          const gold = s.e.map((_, t) => (seed + b * 7 + t * 3) % C);
          const y = new Array<number>(L).fill(-100);
          const e = Array.from({ length: L }, () => new Array<number>(C).fill(-1));
          s.e.forEach((row, t) => {
            y[1 + t] = gold[t]!;
            e[1 + t] = row;
          });
          labels.push(y);
          emissions.push(e);
          want += bruteLogZ(s) - pathScore(s, gold);
          n += gold.length;
        });
        const crf = crfOf(sents[0]!);
        const op = new CrfLoss({ inputs: ['e', 'y'], outputs: 'l', crf });
        const got = tf.tidy(
          () => (op.forward([tf.tensor3d(emissions), tf.tensor2d(labels, undefined, 'int32')]) as tf.Tensor).dataSync()[0]!,
        );
        crf.dispose();
        expect(got).to.be.closeTo(want / n, 1e-4 * Math.max(1, Math.abs(want / n)));
      }),
      { numRuns: 40 },
    );
  });

  it('gradients of the loss match central finite differences of the brute-force NLL (float64)', () => {
    const c: Chain = {
      e: [
        [0.3, -0.2, 0.9],
        [-0.5, 0.1, 0.4],
        [1.1, 0.0, -0.7],
      ],
      trans: [0.1, -0.3, 0.2, 0.5, 0.0, -0.4, -0.1, 0.3, 0.6],
      start: [0.2, -0.1, 0.0],
      end: [-0.3, 0.4, 0.1],
    };
    const gold = [2, 0, 1];
    const nll = (x: Chain) => bruteLogZ(x) - pathScore(x, gold);
    const crf = crfOf(c);
    const op = new CrfLoss({ inputs: ['e', 'y'], outputs: 'l', crf });
    const y = tf.tensor2d([[-100, ...gold, -100]], undefined, 'int32');
    const e = tf.variable(tf.tensor3d([[[0, 0, 0], ...c.e, [0, 0, 0]]]));
    const { grads } = tf.variableGrads(() => tf.mul(op.forward([e, y]) as tf.Scalar, gold.length), [e, ...crf.variables]);
    const h = 1e-5;
    const fd = (mutate: (x: Chain, d: number) => void) => {
      const plus = structuredClone(c);
      const minus = structuredClone(c);
      mutate(plus, h);
      mutate(minus, -h);
      return (nll(plus) - nll(minus)) / (2 * h);
    };
    const ge = grads[e.name]!.arraySync() as number[][][];
    for (let t = 0; t < 3; t++)
      for (let k = 0; k < 3; k++)
        expect(ge[0]![1 + t]![k]).to.be.closeTo(
          fd((x, d) => (x.e[t]![k]! += d)),
          1e-4,
        );
    expect(ge[0]![0]).to.deep.equal([0, 0, 0]);
    const gt = grads[crf.transitions.name]!.dataSync();
    for (let k = 0; k < 9; k++)
      expect(gt[k]).to.be.closeTo(
        fd((x, d) => (x.trans[k]! += d)),
        1e-4,
      );
    const gs = grads[crf.startTransitions.name]!.dataSync();
    const gn = grads[crf.endTransitions.name]!.dataSync();
    for (let k = 0; k < 3; k++) {
      expect(gs[k]).to.be.closeTo(
        fd((x, d) => (x.start[k]! += d)),
        1e-4,
      );
      expect(gn[k]).to.be.closeTo(
        fd((x, d) => (x.end[k]! += d)),
        1e-4,
      );
    }
    tf.dispose([y, e, ...Object.values(grads)]);
    crf.dispose();
  });

  it('Viterbi finds the brute-force best path, with and without IOB2 constraints', () => {
    const labels = ['O', 'B-A', 'I-A', 'B-B', 'I-B'];
    const cons = iob2Constraints(labels);
    fc.assert(
      fc.property(
        chainArb(4, 1),
        fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 30, maxLength: 30 }),
        (short, vals) => {
          const C = 5;
          const T = short.e.length;
          const c: Chain = {
            e: Array.from({ length: T }, (_, t) => vals.slice(t * C, t * C + C).map((v, k) => v + k * 0.001)),
            trans: Array.from({ length: C * C }, (_, k) => vals[k % 30]! * 0.5),
            start: vals.slice(25, 30),
            end: vals.slice(20, 25),
          };
          for (const constrained of [false, true]) {
            let best = -Infinity;
            let bestPath: number[] = [];
            for (const p of paths(T, C)) {
              if (constrained && (!cons.start[p[0]!] || p.some((y, t) => t > 0 && !cons.allowed[p[t - 1]! * C + y]))) continue;
              const s = pathScore(c, p);
              if (s > best) [best, bestPath] = [s, p];
            }
            const got = viterbiPath(T, (t, k) => c.e[t]![k]!, {
              numTags: C,
              transitions: c.trans,
              start: c.start,
              end: c.end,
              ...(constrained ? { constraints: cons } : {}),
            });
            expect(got.score).to.be.closeTo(best, 1e-9);
            expect(pathScore(c, [...got.path])).to.be.closeTo(best, 1e-9);
            if (constrained) expect(countInvalidIob2([...got.path].map((k) => labels[k]!))).to.equal(0);
            void bestPath;
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('TagDecode writes tag ids at first sub-tokens only, -100 elsewhere; constrained decoding leaves no invalid I- tag', () => {
    const labels = ['O', 'B-A', 'I-A'];
    // [CLS] w0 w0## w1 w2 [SEP] pad: wordIds -1 0 0 1 2 -1 -1; argmax says O I-A I-A (invalid start of an entity).
    const wordIds = tf.tensor2d([[-1, 0, 0, 1, 2, -1, -1]], undefined, 'int32');
    const row = (o: number, b: number, i: number) => [o, b, i];
    const scores = tf.tensor3d([[row(0, 0, 0), row(2, 0, 1), row(0, 0, 9), row(0, 1, 2), row(0, 1, 2.5), row(0, 0, 0), row(0, 0, 0)]]);
    const argmax = new TagDecode({ inputs: ['s', 'w'], outputs: 't', decode: 'argmax' });
    const constrained = new TagDecode({ inputs: ['s', 'w'], outputs: 't', decode: 'constrained', constraints: iob2Constraints(labels) });
    const a = tf.tidy(() => Array.from(argmax.forward([scores, wordIds]).dataSync()));
    const c = tf.tidy(() => Array.from(constrained.forward([scores, wordIds]).dataSync()));
    expect(a).to.deep.equal([-100, 0, -100, 2, 2, -100, -100]);
    expect(countInvalidIob2([a[1]!, a[3]!, a[4]!].map((k) => labels[k]!))).to.equal(1);
    expect(c).to.deep.equal([-100, 0, -100, 1, 2, -100, -100]);
    const crf = new LinearChainCrf({ numTags: 3, initRange: 0 });
    crf.constraints = iob2Constraints(labels);
    const viaCrf = new TagDecode({ inputs: ['s', 'w'], outputs: 't', decode: 'crf', crf });
    // Zero transitions: the CRF's Viterbi over raw scores with the same constraints.
    expect(tf.tidy(() => Array.from(viaCrf.forward([scores, wordIds]).dataSync()))).to.deep.equal([-100, 0, -100, 1, 2, -100, -100]);
    crf.dispose();
    tf.dispose([scores, wordIds]);
  });

  it('leaks no tensor: a training step of CrfLoss and a decode keep tf.memory() flat', () => {
    const crf = new LinearChainCrf({ numTags: 4, seed: 1 });
    const op = new CrfLoss({ inputs: ['e', 'y'], outputs: 'l', crf });
    const dec = new TagDecode({ inputs: ['e', 'y'], outputs: 't', decode: 'crf', crf, positionsFrom: 'labels' });
    const e = tf.variable(tf.randomNormal([3, 6, 4], 0, 1, 'float32', 3));
    const y = tf.tensor2d(
      [
        [-100, 1, 2, -100, 0, -100],
        [-100, -100, -100, -100, -100, -100],
        [-100, 3, 3, 3, 0, 1],
      ],
      undefined,
      'int32',
    );
    const step = () => {
      const { value, grads } = tf.variableGrads(() => op.forward([e, y]) as tf.Scalar, [e, ...crf.variables]);
      tf.dispose([value, ...Object.values(grads)]);
      tf.dispose(tf.tidy(() => dec.forward([e, y])));
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([e, y]);
    crf.dispose();
  });
});
