import { expect } from 'chai';
import fc from 'fast-check';
import { cosineDecay, linearWarmupDecay, warmupSteps } from '@fets/estimator';

/** transformers.get_linear_schedule_with_warmup's lr_lambda, as written there (0-based step). */
const hfLinear = (s: number, w: number, t: number) => (s < w ? s / Math.max(1, w) : Math.max(0, (t - s) / Math.max(1, t - w)));
/** transformers.get_cosine_schedule_with_warmup's lr_lambda with num_cycles = 0.5. */
const hfCosine = (s: number, w: number, t: number) =>
  s < w ? s / Math.max(1, w) : Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 2 * 0.5 * ((s - w) / Math.max(1, t - w)))));

describe('estimator/schedule LR schedules', () => {
  it('linearWarmupDecay: BERT values at known steps', () => {
    const f = linearWarmupDecay({ warmup: 0.1, peak: 1e-3, totalSteps: 1000 });
    expect(f(1)).to.equal(0);
    expect(f(51)).to.be.closeTo(5e-4, 1e-15);
    expect(f(101)).to.be.closeTo(1e-3, 1e-15);
    expect(f(551)).to.be.closeTo(5e-4, 1e-15);
    expect(f(1001)).to.equal(0);
    expect(f(5000)).to.equal(0);
    expect(linearWarmupDecay({ warmup: 10, peak: 1, totalSteps: 20, end: 0.5 })(21)).to.equal(0.5);
  });

  it('equal peak × the Hugging Face lambdas (end = 0, min = 0; cosine up to totalSteps)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 600 }),
        (t, frac, step) => {
          const w = warmupSteps(frac, t);
          const lin = linearWarmupDecay({ warmup: frac, peak: 2e-3, totalSteps: t })(step);
          const cos = cosineDecay({ warmup: frac, peak: 2e-3, totalSteps: t })(step);
          expect(lin).to.be.closeTo(2e-3 * hfLinear(step - 1, w, t), 1e-15);
          // Past totalSteps Hugging Face's cosine rises again (cos beyond π); ours stays at min.
          if (step - 1 <= t) expect(cos).to.be.closeTo(2e-3 * hfCosine(step - 1, w, t), 1e-15);
          else expect(cos).to.equal(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rise during warm-up, never increase after it, stay within [end|min, peak]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 0, max: 50 }),
        fc.double({ min: 0, max: 1e-4, noNaN: true }),
        (t, w0, floor) => {
          const w = Math.min(w0, t - 1);
          for (const f of [
            linearWarmupDecay({ warmup: w, peak: 1e-3, totalSteps: t, end: floor }),
            cosineDecay({ warmup: w, peak: 1e-3, totalSteps: t, min: floor }),
          ]) {
            let prev = -1;
            for (let s = 1; s <= t + 5; s++) {
              const lr = f(s);
              if (s - 1 <= w) expect(lr).to.be.at.least(prev);
              else expect(lr).to.be.at.most(prev + 1e-18);
              if (s - 1 >= w) expect(lr).to.be.within(floor - 1e-18, 1e-3 + 1e-18);
              prev = lr;
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('cosineDecay halfway equals the mean of peak and min', () => {
    expect(cosineDecay({ warmup: 100, peak: 1e-3, totalSteps: 1100, min: 1e-5 })(601)).to.be.closeTo((1e-3 + 1e-5) / 2, 1e-15);
  });

  it('an unknown total is a clear error; bad options are rejected at construction', () => {
    const f = linearWarmupDecay({ warmup: 0.1, peak: 1e-3 });
    expect(f.requiresTotalSteps).to.equal(true);
    expect(() => f(1)).to.throw(/linearWarmupDecay: totalSteps is unknown/);
    expect(f(11, { totalSteps: 100 })).to.be.closeTo(1e-3, 1e-15);
    expect(() => linearWarmupDecay({ warmup: 1.5, peak: 1 })).to.throw(/linearWarmupDecay: warmup: expected a fraction/);
    expect(() => cosineDecay({ peak: 1e-3, totalSteps: 10, end: 0 } as never)).to.throw(/unknown option "end"/);
  });
});
