import { expect } from 'chai';
import * as pipeline from '@fets/pipeline';
import * as network from '@fets/network';
import type { DsIdSelector } from '@fets/pipeline';

class Id extends pipeline.NumpyOp {
  forward(x: unknown) {
    return x;
  }
}
class TId extends network.TensorOp {
  forward(x: unknown) {
    return x;
  }
}

const sel = (s: DsIdSelector) => (s ? { kind: s.kind, ids: [...s.ids].sort() } : null);

describe('meta ops: data-set selectors come through metaKeys (no overwritten dsIds)', () => {
  for (const dsId of [['a', 'b'], ['!noisy'], undefined]) {
    it(`Sometimes, Repeat, OneOf run for their op's data sets (${JSON.stringify(dsId ?? null)}); Fuse for every data set`, () => {
      const opts = { inputs: 'x', outputs: 'x', ...(dsId ? { dsId } : {}) };
      const inner = new Id(opts);
      const tInner = new TId(opts);
      const want = sel(inner.dsIds);
      for (const op of [
        new pipeline.Sometimes({ op: inner }),
        new pipeline.Repeat({ op: inner, repeat: 2 }),
        new pipeline.OneOf(inner, new Id(opts)),
        new network.Sometimes({ op: tInner }),
        new network.Repeat({ op: tInner, repeat: 2 }),
        new network.OneOf(tInner, new TId(opts)),
      ]) {
        expect(sel(op.dsIds), op.name).to.deep.equal(want);
      }
      expect(new pipeline.Fuse([inner]).dsIds).to.equal(null);
      expect(new network.Fuse([tInner]).dsIds).to.equal(null);
    });
  }
});
