import { expect } from 'chai';
import { ConfigError, type NDArray, Pipeline, type DataDict } from '@fets/pipeline';
import { Range } from './fixtures.js';
import { createOps } from './workerOps.js';

const OPS = new URL('./workerOps.ts', import.meta.url);

async function run(p: Pipeline): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const b of p.batches({ mode: 'train', epoch: 2 })) out.push(b);
  return out;
}

describe('pipeline/Pipeline on worker threads', function () {
  this.timeout(120_000);

  it('numProcess: 2 gives exactly the batches of the main thread (same seeds, filters, replacement)', async () => {
    const opts = { trainData: new Range(300), batchSize: 16, padValue: 0, seed: 7 };
    const main = await run(new Pipeline({ ...opts, ops: createOps() }));
    const p = new Pipeline({ ...opts, ops: createOps(), numProcess: 2, opsModule: OPS });
    const workers = await run(p);
    await p.close();
    expect(workers.length).to.equal(main.length);
    for (let i = 0; i < main.length; i++) {
      for (const k of ['x', 'y', 'seq']) {
        expect((workers[i]![k] as NDArray).toArray(), `batch ${i} key ${k}`).to.deep.equal((main[i]![k] as NDArray).toArray());
      }
    }
    const ys = main.flatMap((b) => Array.from((b.y as NDArray).data as Int32Array));
    expect(ys.length).to.equal(300);
    expect(ys.includes(2)).to.equal(false);
  });

  it('rejects numProcess without an ops module', () => {
    expect(() => new Pipeline({ trainData: new Range(3), numProcess: 2, ops: createOps() })).to.throw(ConfigError, /needs opsModule/);
  });
});
