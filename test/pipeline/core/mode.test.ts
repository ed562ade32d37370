import { expect } from 'chai';
import fc from 'fast-check';
import { EpochScheduler, getCurrentItems, MODES, Op, parseModes, RepeatScheduler, type Mode } from '@fets/pipeline';

class Probe extends Op {}

describe('pipeline/core: mode and dsId rule', () => {
  it('parses plain, negated and list mode specs', () => {
    expect(parseModes('train')).to.deep.equal(new Set(['train']));
    expect(parseModes('!infer')).to.deep.equal(new Set(['train', 'eval', 'test']));
    expect(parseModes(['!train', '!eval'])).to.deep.equal(new Set(['test', 'infer']));
    expect(parseModes(undefined)).to.equal(null);
    expect(() => parseModes(['train', '!eval'])).to.throw(/cannot mix/);
    expect(() => parseModes('training' as Mode)).to.throw(/unknown mode "training"/);
  });

  it('rejects an unknown mode string at op construction, naming the op', () => {
    expect(() => new Probe({ mode: 'fit' as Mode })).to.throw(/Probe: mode/);
  });

  it('follows the rule table for every mode spec × run mode (property)', () => {
    const specArb = fc.oneof(
      fc.constantFrom(...MODES),
      fc.constantFrom(...MODES).map((m) => `!${m}` as const),
      fc.uniqueArray(fc.constantFrom(...MODES), { minLength: 1 }),
      fc.uniqueArray(fc.constantFrom(...MODES), { minLength: 1 }).map((l) => l.map((m) => `!${m}` as const)),
    );
    fc.assert(
      fc.property(specArb, fc.constantFrom(...MODES), (spec, run) => {
        const op = new Probe({ mode: spec });
        const list = typeof spec === 'string' ? [spec] : spec;
        const negated = list[0]!.startsWith('!');
        const named = list.map((m) => m.replace('!', ''));
        const expected = negated ? !named.includes(run) : named.includes(run);
        expect(getCurrentItems([op], { mode: run }).length).to.equal(expected ? 1 : 0);
      }),
    );
  });

  it('selects by dsId whitelist and blacklist; no dsId given selects all', () => {
    const a = new Probe({ dsId: 'a' });
    const notA = new Probe({ dsId: '!a' });
    const ab = new Probe({ dsId: ['a', 'b'] });
    const any = new Probe({});
    expect(getCurrentItems([a, notA, ab, any], { dsId: 'a' })).to.deep.equal([a, ab, any]);
    expect(getCurrentItems([a, notA, ab, any], { dsId: 'c' })).to.deep.equal([notA, any]);
    expect(getCurrentItems([a, notA, ab, any], {})).to.deep.equal([a, notA, ab, any]);
    expect(() => new Probe({ dsId: ['a', '!b'] })).to.throw(/cannot mix/);
    expect(() => new Probe({ dsId: 'a:b' })).to.throw(/cannot contain ":"/);
  });

  it('resolves schedulers by epoch (1-based) and drops nulls', () => {
    const p1 = new Probe({});
    const p2 = new Probe({ mode: 'eval' });
    const es = new EpochScheduler<Probe>({ 1: p1, 3: null, 4: p2 });
    expect(getCurrentItems([es], { epoch: 1 })).to.deep.equal([p1]);
    expect(getCurrentItems([es], { epoch: 2 })).to.deep.equal([p1]);
    expect(getCurrentItems([es], { epoch: 3 })).to.deep.equal([]);
    expect(getCurrentItems([es], { epoch: 9, mode: 'train' })).to.deep.equal([]);
    expect(getCurrentItems([es], { epoch: 9, mode: 'eval' })).to.deep.equal([p2]);
    expect(getCurrentItems([es], {})).to.deep.equal([p1, p2]);
    const rs = new RepeatScheduler<Probe>([p1, null]);
    expect(getCurrentItems([rs], { epoch: 1 })).to.deep.equal([p1]);
    expect(getCurrentItems([rs], { epoch: 2 })).to.deep.equal([]);
    expect(getCurrentItems([rs], { epoch: 3 })).to.deep.equal([p1]);
    expect(() => new EpochScheduler({ 0: p1 })).to.throw(/1-based/);
    expect(() => new RepeatScheduler([p1])).to.throw(/at least 2/);
  });
});
