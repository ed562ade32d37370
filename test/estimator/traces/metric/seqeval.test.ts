import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigError, FetsError } from '@fets/pipeline';
import {
  extractEntities,
  getEntities,
  precisionRecallFscoreSupport,
  seqevalReport,
  SeqevalLengthError,
  type Scheme,
  type SeqevalReport,
} from '@fets/estimator/seqeval';
import { shared } from '../../../helpers.js';

interface GoldenCase {
  scheme: 'IOB2' | 'IOBES';
  y_true: string[][];
  y_pred: string[][];
  default: Record<string, Record<string, number | null>>;
  strict: Record<string, Record<string, number | null>>;
}
const golden = JSON.parse(readFileSync(shared('fixtures', 'seqeval-golden.json'), 'utf8')) as { cases: GoldenCase[] };

/** Same keys at both levels and every number within 1e-9; seqeval's nan (written null) must be NaN here. */
function expectSameReport(actual: SeqevalReport, expected: GoldenCase['default'], where: string): void {
  expect(Object.keys(actual).sort(), `${where}: keys`).to.deep.equal(Object.keys(expected).sort());
  for (const [name, row] of Object.entries(expected)) {
    const got = actual[name] as unknown as Record<string, number>;
    expect(Object.keys(got).sort(), `${where} ${name}: row keys`).to.deep.equal(Object.keys(row).sort());
    for (const [k, v] of Object.entries(row)) {
      if (v === null) expect(Number.isNaN(got[k]), `${where} ${name}.${k}: expected NaN, got ${got[k]}`).to.equal(true);
      else expect(Math.abs(got[k]! - v), `${where} ${name}.${k}: ${got[k]} vs ${v}`).to.be.at.most(1e-9);
    }
  }
}

describe('estimator/traces/metric: seqeval report', () => {
  it('reads the fixture (60 cases, IOB2 and IOBES)', () => {
    expect(golden.cases).to.have.length(60);
    expect(new Set(golden.cases.map((c) => c.scheme))).to.deep.equal(new Set(['IOB2', 'IOBES']));
  });

  it("matches seqeval's default-mode report on every golden case", () => {
    golden.cases.forEach((c, i) => expectSameReport(seqevalReport(c.y_true, c.y_pred), c.default, `case ${i} default`));
  });

  it("matches seqeval's strict-mode report on every golden case", () => {
    golden.cases.forEach((c, i) =>
      expectSameReport(seqevalReport(c.y_true, c.y_pred, { mode: 'strict', scheme: c.scheme }), c.strict, `case ${i} strict ${c.scheme}`),
    );
  });

  it('orders rows as seqeval: types sorted, then micro, macro, weighted', () => {
    const r = seqevalReport([['B-ORG', 'O', 'B-LOC', 'B-PER']], [['B-PER', 'O', 'B-LOC', 'O']]);
    expect(Object.keys(r)).to.deep.equal(['LOC', 'ORG', 'PER', 'micro avg', 'macro avg', 'weighted avg']);
  });

  it('writes NaN for the macro average when no entity exists, and JSON turns it into null as seqeval does', () => {
    const r = seqevalReport([['O', 'O']], [['O', 'O']], { mode: 'strict', scheme: 'IOB2' });
    expect(r['micro avg']).to.deep.equal({ precision: 0, recall: 0, 'f1-score': 0, support: 0 });
    expect(Number.isNaN(r['macro avg']!.precision)).to.equal(true);
    expect(JSON.parse(JSON.stringify(r['macro avg']))).to.deep.equal({
      precision: null,
      recall: null,
      'f1-score': null,
      support: 0,
    });
  });

  it('default mode accepts IOB1-style chunks that strict IOB2 rejects', () => {
    const yTrue = [['B-PER', 'I-PER', 'O']];
    const yPred = [['I-PER', 'I-PER', 'O']];
    expect(seqevalReport(yTrue, yPred).PER!['f1-score']).to.equal(1);
    const strict = seqevalReport(yTrue, yPred, { mode: 'strict', scheme: 'IOB2' });
    expect(strict.PER).to.deep.equal({ precision: 0, recall: 0, 'f1-score': 0, support: 1 });
  });

  it('strict mode without a scheme detects it from yTrue', () => {
    const yTrue = [['S-PER', 'B-LOC', 'E-LOC']];
    const yPred = [['S-PER', 'B-LOC', 'I-LOC']];
    expect(seqevalReport(yTrue, yPred, { mode: 'strict' })).to.deep.equal(seqevalReport(yTrue, yPred, { mode: 'strict', scheme: 'IOBES' }));
  });

  it('weighted average with zero total support gives 0 (zeroDivision 0) or 1 where nothing was predicted', () => {
    const r = seqevalReport([['O', 'O']], [['B-PER', 'O']]);
    expect(r.PER).to.deep.equal({ precision: 0, recall: 0, 'f1-score': 0, support: 0 });
    expect(r['weighted avg']).to.deep.equal({ precision: 0, recall: 0, 'f1-score': 0, support: 0 });
    const none = seqevalReport([['O']], [['O']], { zeroDivision: 1 });
    expect(none['weighted avg']).to.deep.equal({ precision: 1, recall: 1, 'f1-score': 1, support: 0 });
  });

  it('precisionRecallFscoreSupport gives per-type arrays and the averages of the report', () => {
    const c = golden.cases[0]!;
    const per = precisionRecallFscoreSupport(c.y_true, c.y_pred);
    const report = seqevalReport(c.y_true, c.y_pred);
    per.types.forEach((t, i) => {
      expect(per.precision[i]).to.equal(report[t]!.precision);
      expect(per.support[i]).to.equal(report[t]!.support);
    });
    const macro = precisionRecallFscoreSupport(c.y_true, c.y_pred, { average: 'macro' });
    expect(macro.fScore).to.equal(report['macro avg']!['f1-score']);
    const f2 = precisionRecallFscoreSupport([['B-A', 'O', 'B-A']], [['B-A', 'O', 'O']], { average: 'micro', beta: 2 });
    // p = 1, r = 0.5: F2 = 5 * 0.5 / (4 + 0.5)
    expect(f2.fScore).to.be.closeTo((5 * 0.5) / 4.5, 1e-15);
  });

  describe('errors', () => {
    it('names the sentence and both lengths when an inner length differs', () => {
      const run = () => seqevalReport([['O'], ['O', 'B-PER']], [['O'], ['O', 'B-PER', 'O']]);
      expect(run).to.throw(SeqevalLengthError, /seqevalReport: sentence 1 has 2 true tags but 3 predicted tags/);
      try {
        run();
      } catch (e) {
        expect(e).to.be.instanceOf(FetsError);
        expect((e as SeqevalLengthError).sentence).to.equal(1);
        expect([(e as SeqevalLengthError).trueLength, (e as SeqevalLengthError).predLength]).to.deep.equal([2, 3]);
      }
    });

    it('names both sentence counts when the outer lengths differ', () => {
      expect(() => seqevalReport([['O'], ['O']], [['O']], { mode: 'strict', scheme: 'IOB2' })).to.throw(
        SeqevalLengthError,
        /yTrue has 2 sentences but yPred has 1/,
      );
    });

    it('rejects a flat list where a list of sentences is expected', () => {
      expect(() => seqevalReport(['O'] as unknown as string[][], [['O']])).to.throw(FetsError, /yTrue\[0\]/);
    });

    it('rejects unknown options and schemes with a ConfigError', () => {
      expect(() => seqevalReport([], [], { shceme: 'IOB2' } as never)).to.throw(ConfigError, /did you mean "scheme"/);
      expect(() => seqevalReport([], [], { mode: 'strict', scheme: 'BIO' as Scheme })).to.throw(ConfigError, /seqevalReport: scheme/);
    });

    it('rejects a tag the scheme forbids in strict mode, naming sentence and position', () => {
      expect(() => seqevalReport([['O', 'S-PER']], [['O', 'O']], { mode: 'strict', scheme: 'IOB2' })).to.throw(
        /IOB2: invalid tag "S-PER" at sentence 0, position 1; allowed prefixes are I\|O\|B/,
      );
    });
  });

  describe('properties', () => {
    const TYPES = ['PER', 'LOC', 'ORG', 'MISC'];
    const PREFIXES: Record<Scheme | 'default', string> = {
      default: 'BIESO',
      IOB1: 'IOB',
      IOB2: 'IOB',
      IOE1: 'IOE',
      IOE2: 'IOE',
      IOBES: 'IOBES',
      BILOU: 'BILOU',
    };
    const tagArb = (letters: string) =>
      fc.tuple(fc.constantFrom(...letters), fc.constantFrom(...TYPES)).map(([p, t]) => (p === 'O' ? 'O' : `${p}-${t}`));
    /** A pair of corpora with the same shape (up to 6 sentences of up to 12 tags). */
    const pairArb = (letters: string) =>
      fc
        .array(fc.integer({ min: 0, max: 12 }), { maxLength: 6 })
        .chain((lens) =>
          fc.tuple(
            fc.tuple(...lens.map((n) => fc.array(tagArb(letters), { minLength: n, maxLength: n }))),
            fc.tuple(...lens.map((n) => fc.array(tagArb(letters), { minLength: n, maxLength: n }))),
          ),
        );
    const modes: { name: string; letters: string; opts: { mode?: 'strict'; scheme?: Scheme } }[] = [
      { name: 'default', letters: PREFIXES.default, opts: {} },
      ...(['IOB1', 'IOB2', 'IOE1', 'IOE2', 'IOBES', 'BILOU'] as const).map((s) => ({
        name: `strict ${s}`,
        letters: PREFIXES[s],
        opts: { mode: 'strict' as const, scheme: s },
      })),
    ];

    for (const m of modes) {
      it(`${m.name}: predicting the truth scores 1 for every type with support`, () => {
        fc.assert(
          fc.property(pairArb(m.letters), ([yTrue]) => {
            const r = seqevalReport(yTrue, yTrue, m.opts);
            for (const [name, row] of Object.entries(r)) {
              if (name.endsWith(' avg') || row.support === 0) continue;
              expect([row.precision, row.recall, row['f1-score']]).to.deep.equal([1, 1, 1]);
            }
          }),
          { numRuns: 150 },
        );
      });

      it(`${m.name}: support equals the number of true entities, per type and in total`, () => {
        fc.assert(
          fc.property(pairArb(m.letters), ([yTrue, yPred]) => {
            const r = seqevalReport(yTrue, yPred, m.opts);
            const types =
              m.opts.mode === 'strict' ? extractEntities(yTrue, m.opts.scheme!).map((e) => e.type) : getEntities(yTrue).map((c) => c.type);
            const count = (t: string) => types.filter((x) => x === t).length;
            for (const [name, row] of Object.entries(r)) {
              if (!name.endsWith(' avg')) expect(row.support, name).to.equal(count(name));
            }
            for (const avg of ['micro avg', 'macro avg', 'weighted avg']) expect(r[avg]!.support).to.equal(types.length);
          }),
          { numRuns: 150 },
        );
      });

      it(`${m.name}: swapping yTrue and yPred swaps precision and recall`, () => {
        fc.assert(
          fc.property(pairArb(m.letters), ([yTrue, yPred]) => {
            const a = seqevalReport(yTrue, yPred, m.opts);
            const b = seqevalReport(yPred, yTrue, m.opts);
            expect(Object.keys(a)).to.deep.equal(Object.keys(b));
            for (const name of Object.keys(a)) {
              if (name === 'macro avg' || name === 'weighted avg') continue;
              expect(b[name]!.precision).to.equal(a[name]!.recall);
              expect(b[name]!.recall).to.equal(a[name]!.precision);
              expect(b[name]!['f1-score']).to.be.closeTo(a[name]!['f1-score'], 1e-12);
            }
          }),
          { numRuns: 150 },
        );
      });
    }
  });
});
