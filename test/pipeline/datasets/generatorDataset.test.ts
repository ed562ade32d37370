import { expect } from 'chai';
import { ConfigError, GeneratorDataset, GeneratorError, type DataDict } from '@fets/pipeline';

async function collect(it: Iterable<DataDict> | AsyncIterable<DataDict>): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const s of it) out.push(s);
  return out;
}

describe('pipeline/datasets: GeneratorDataset', () => {
  it('calls the factory once per epoch and yields fresh passes (sync stays sync)', async () => {
    let calls = 0;
    const ds = new GeneratorDataset(
      function* () {
        calls++;
        for (let i = 0; i < 3; i++) yield { x: i };
      },
      { length: 3, keys: ['x'] },
    );
    expect(ds.length).to.equal(3);
    expect(ds.keys()).to.deep.equal(['x']);
    const first = ds.iterate();
    expect(Symbol.iterator in first).to.equal(true);
    expect([...(first as Iterable<DataDict>)].map((s) => s.x)).to.deep.equal([0, 1, 2]);
    expect((await collect(ds.iterate())).map((s) => s.x)).to.deep.equal([0, 1, 2]);
    expect(calls).to.equal(2);
  });

  it('accepts async iterables', async () => {
    const ds = new GeneratorDataset(async function* () {
      yield { x: 'a' };
      yield { x: 'b' };
    });
    expect(ds.length).to.equal(undefined);
    expect(ds.keys()).to.equal(undefined);
    expect((await collect(ds.iterate())).map((s) => s.x)).to.deep.equal(['a', 'b']);
  });

  it('catches a reused iterator, a wrong declared length, non-object samples, bad options', async () => {
    const g = (function* () {
      yield { x: 1 };
    })();
    const reused = new GeneratorDataset(() => g);
    await collect(reused.iterate());
    expect(() => reused.iterate()).to.throw(GeneratorError, /same iterator as last epoch/);
    const short = new GeneratorDataset(() => [{ x: 1 }], { length: 2 });
    let err: unknown;
    try {
      await collect(short.iterate());
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/declared length 2, but the generator yielded 1 samples/);
    expect(() => [...(new GeneratorDataset(() => [1 as never]).iterate() as Iterable<DataDict>)]).to.throw(
      GeneratorError,
      /sample 0 must be an object/,
    );
    expect(() => new GeneratorDataset(() => [], { lenght: 3 } as never)).to.throw(ConfigError, /did you mean "length"/);
    expect(() => new GeneratorDataset(() => 5 as never).iterate()).to.throw(GeneratorError, /must return an iterable/);
  });
});
