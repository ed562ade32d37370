import { expect } from 'chai';
import { z } from 'zod';
import { ConfigError, NumpyDataset, NumpyOp, Pipeline, opOptionsSchema } from '@fets/pipeline';

// The README's custom op with validated options of its own: the schema is the single declaration (types come from
// it), the base parses it once and names the class in errors.
const scaleOptions = opOptionsSchema.extend({
  /** Multiplier applied to the input. */
  factor: z.number().positive(),
  /** Added after scaling. */
  shift: z.number().default(0),
});
class Scale extends NumpyOp<typeof scaleOptions> {
  constructor(options: z.input<typeof scaleOptions>) {
    super(options, scaleOptions);
  }
  forward(x: number) {
    return x * this.options.factor + this.options.shift;
  }
}

class Double extends NumpyOp {
  forward(x: number) {
    return 2 * x;
  }
}

describe('custom ops', () => {
  it('a validated op is a schema and a subclass: parsed options with defaults, keys from the base', async () => {
    const op = new Scale({ inputs: 'x', outputs: 'y', factor: 3 });
    expect(op.options).to.deep.equal({ inputs: 'x', outputs: 'y', factor: 3, shift: 0 });
    expect(op.inputs).to.deep.equal(['x']);
    const pipeline = new Pipeline({
      trainData: new NumpyDataset({ x: [1, 2] }),
      batchSize: 2,
      ops: [op, new Double({ inputs: 'y', outputs: 'z' })],
    });
    const batch = (await pipeline.getResults({ mode: 'train' })) as Record<string, unknown>;
    expect(Array.from((batch.z as { data: ArrayLike<number> }).data)).to.deep.equal([6, 12]);
  });

  it('bad options fail at construction, naming the class, the key, what was expected and what came', () => {
    const err = (() => {
      try {
        new Scale({ inputs: 'x', outputs: 'y', factor: -1 });
      } catch (e) {
        return e;
      }
    })();
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(/^Scale: factor: .*received -1/);
    expect(() => new Scale({ inputs: 'x', outputs: 'y', factor: 2, facter: 1 } as never)).to.throw(
      ConfigError,
      /Scale: unknown option "facter", did you mean "factor"\?/,
    );
    expect(() => new Double({ inputs: 'x', outptus: 'y' } as never)).to.throw(
      ConfigError,
      /Double: unknown option "outptus", did you mean "outputs"\?/,
    );
  });

  it('a subclass of a library op is named in its errors', () => {
    class MyScale extends Scale {}
    expect(() => new MyScale({ factor: 0 })).to.throw(ConfigError, /^MyScale: factor/);
  });
});
