import { expect } from 'chai';
import fc from 'fast-check';
import {
  BertWordPieceTokenizer,
  ConfigError,
  MaskTokens,
  type NDArray,
  NumpyDataset,
  OpError,
  Pipeline,
  seededRandom,
  type PipelineState,
} from '@fets/pipeline';
import { shared } from '../../helpers.js';

const stateOf = (seed: number): PipelineState => ({ mode: 'train', epoch: 1, dsId: '', random: seededRandom(seed) });
const ALL = ['inputIds', 'labels', 'maskedPositions', 'maskedLabels', 'maskedWeights'] as const;

describe('MaskTokens', function () {
  let tok: BertWordPieceTokenizer;
  let op: MaskTokens;
  let wwm: MaskTokens;
  let words: number[]; // ids of ordinary (non-##, non-bracketed) pieces
  let conts: number[]; // ids of ## pieces
  let specials: number[];
  let contSet: Set<number>;
  let specialSet: Set<number>;
  const P = 40;

  before(async function () {
    tok = await BertWordPieceTokenizer.fromVocabFile(shared('vocab', 'bert-base-uncased-vocab.txt'), { lowercase: true });
    const opts = { inputs: 'ids', outputs: ['x', 'y', 'pos', 'posY', 'w'], tokenizer: tok, returns: [...ALL], maxPredictions: P };
    op = new MaskTokens(opts);
    wwm = new MaskTokens({ ...opts, wholeWord: true });
    words = [];
    conts = [];
    tok.idToToken.forEach((t, id) => {
      if (t.startsWith('##')) conts.push(id);
      else if (!t.startsWith('[')) words.push(id);
    });
    specials = [tok.clsId, tok.sepId, tok.padId, tok.unkId, tok.vocab.get('[MASK]')!];
    contSet = new Set(conts);
    specialSet = new Set(specials);
  });

  /** A sequence like a packed one: [CLS] pieces (some ##, some [UNK]) [SEP] and optional padding. */
  const sequence = (minLength = 0) =>
    fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.nat({ max: 40 })), { minLength, maxLength: 120 }), fc.nat({ max: 8 }))
      .map(([pieces, pad]) => {
        const ids = [tok.clsId];
        for (const [k, nCont, u] of pieces) {
          if (u === 0) {
            ids.push(tok.unkId);
            continue;
          }
          ids.push(words[k % words.length]!);
          for (let c = 0; c < nCont; c++) ids.push(conts[(k + c) % conts.length]!);
        }
        ids.push(tok.sepId);
        for (let i = 0; i < pad; i++) ids.push(tok.padId);
        return Int32Array.from(ids);
      });

  type Out = [Int32Array, Int32Array, Int32Array, Int32Array, Float32Array];

  it('labels the chosen tokens only, never special ones, and the fixed-size outputs agree with the labels', function () {
    fc.assert(
      fc.property(sequence(), fc.integer(), fc.boolean(), (ids, seed, whole) => {
        const m = whole ? wwm : op;
        const [x, y, pos, posY, w] = m.forward(ids, stateOf(seed)) as Out;
        expect(x.length).to.equal(ids.length);
        expect(y.length).to.equal(ids.length);
        const chosen: number[] = [];
        let candidates = 0;
        for (let i = 0; i < ids.length; i++) {
          const special = specialSet.has(ids[i]!);
          if (!special) candidates++;
          if (y[i] !== -100) {
            expect(special, `special id ${ids[i]} chosen at ${i}`).to.equal(false);
            expect(y[i]).to.equal(ids[i]);
            chosen.push(i);
          } else {
            expect(x[i], `unchosen position ${i} changed`).to.equal(ids[i]);
          }
        }
        const want = candidates === 0 ? 0 : Math.min(P, Math.max(1, Math.round(candidates * 0.15)));
        if (whole) expect(chosen.length).to.be.at.most(want);
        else expect(chosen.length).to.equal(want);
        expect(pos.length).to.equal(P);
        expect(Array.from(pos.subarray(0, chosen.length))).to.deep.equal(chosen);
        for (let s = 0; s < P; s++) {
          const used = s < chosen.length;
          expect(w[s]).to.equal(used ? 1 : 0);
          expect(posY[s]).to.equal(used ? ids[pos[s]!] : -100);
          if (!used) expect(pos[s]).to.equal(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('chooses a word whole or not at all with wholeWord', function () {
    fc.assert(
      fc.property(sequence(), fc.integer(), (ids, seed) => {
        const [, y] = wwm.forward(ids, stateOf(seed)) as Out;
        for (let i = 1; i < ids.length; i++) {
          const prevCandidate = !specialSet.has(ids[i - 1]!);
          if (contSet.has(ids[i]!) && prevCandidate) {
            expect(y[i] !== -100, `piece ${i} and the piece before it differ`).to.equal(y[i - 1] !== -100);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('chooses 15% of the candidates and corrupts them 80% [MASK] / 10% random / 10% unchanged over many samples', function () {
    const maskId = tok.vocab.get('[MASK]')!;
    for (const m of [op, wwm]) {
      let candidates = 0;
      let chosen = 0;
      let masked = 0;
      let replaced = 0;
      let kept = 0;
      // Sequences of at least 30 pieces, as packed ones: the rounding of short ones does not skew the ratio.
      const gen = sequence(30);
      const samples = fc.sample(gen, { numRuns: 3000, seed: 7 });
      samples.forEach((ids, k) => {
        const [x, y] = m.forward(ids, stateOf(k)) as Out;
        for (let i = 0; i < ids.length; i++) {
          if (!specialSet.has(ids[i]!)) candidates++;
          if (y[i] === -100) continue;
          chosen++;
          if (x[i] === maskId) masked++;
          else if (x[i] === ids[i]) kept++;
          else {
            replaced++;
            expect(tok.idToToken[x[i]!]!.startsWith('['), 'random replacement is a bracketed token').to.equal(false);
          }
        }
      });
      expect(chosen / candidates).to.be.closeTo(0.15, m === op ? 0.01 : 0.02);
      expect(masked / chosen).to.be.closeTo(0.8, 0.015);
      expect(replaced / chosen).to.be.closeTo(0.1, 0.012);
      expect(kept / chosen).to.be.closeTo(0.1, 0.012);
    }
  });

  it('is a function of the random stream: equal seeds repeat, other seeds differ', function () {
    const ids = Int32Array.from([tok.clsId, ...words.slice(2000, 2060), tok.sepId]);
    const a = op.forward(ids, stateOf(3)) as Out;
    const b = op.forward(ids, stateOf(3)) as Out;
    const c = op.forward(ids, stateOf(4)) as Out;
    expect(a.map((t) => Array.from(t))).to.deep.equal(b.map((t) => Array.from(t)));
    expect(Array.from(a[1])).to.not.deep.equal(Array.from(c[1]));
  });

  it('masks anew every epoch in a Pipeline, and repeats an epoch given the seed', async function () {
    const seqs = Array.from({ length: 8 }, (_, k) => Int32Array.from([tok.clsId, ...words.slice(3000 + 50 * k, 3040 + 50 * k), tok.sepId]));
    const make = () =>
      new Pipeline({
        trainData: new NumpyDataset({ ids: seqs }),
        batchSize: 8,
        seed: 11,
        shuffle: false,
        ops: [new MaskTokens({ inputs: 'ids', outputs: ['x', 'y'], tokenizer: tok, mode: 'train' })],
      });
    const labels = async (p: Pipeline, epoch: number) =>
      Array.from(((await p.getResults({ mode: 'train', epoch })) as { y: NDArray }).y.data as Int32Array);
    const e1 = await labels(make(), 1);
    expect(await labels(make(), 1)).to.deep.equal(e1);
    expect(await labels(make(), 2)).to.not.deep.equal(e1);
  });

  it('pads with the right values in a batch, and validates its options and input', function () {
    const m = new MaskTokens({ inputs: 'ids', outputs: ['x', 'y'], tokenizer: tok });
    expect(m.padValues).to.deep.equal({ x: tok.padId, y: -100 });
    expect(op.padValues).to.deep.equal({ x: 0, y: -100, pos: 0, posY: -100, w: 0 });
    expect(() => new MaskTokens({ inputs: 'ids', outputs: ['x'], tokenizer: tok })).to.throw(ConfigError, /outputs: expected 2 keys/);
    expect(() => new MaskTokens({ inputs: 'ids', outputs: ['p'], tokenizer: tok, returns: ['maskedPositions'] })).to.throw(
      ConfigError,
      /maxPredictions/,
    );
    expect(() => new MaskTokens({ inputs: 'ids', outputs: ['x', 'y'], tokenizer: tok, maskTokenRate: 0.95 })).to.throw(
      ConfigError,
      /maskTokenRate \+ randomTokenRate <= 1/,
    );
    expect(() => new MaskTokens({ inputs: 'ids', outputs: ['x', 'y'], tokenizer: tok, maskToken: '[MSK]' })).to.throw(
      ConfigError,
      /no "\[MSK\]" token/,
    );
    expect(() => m.forward('abc', stateOf(0))).to.throw(OpError, /expected an array of token ids/);
    expect(() => m.forward([101, 102], undefined)).to.throw(OpError, /needs the Pipeline state/);
    const [x, y] = m.forward([tok.clsId, tok.sepId], stateOf(0)) as Out;
    expect(Array.from(x)).to.deep.equal([tok.clsId, tok.sepId]);
    expect(Array.from(y)).to.deep.equal([-100, -100]);
  });
});
