import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { errorOf } from '../../helpers.js';
import fc from 'fast-check';
import { ConfigError, DataFormatError, JSONLDataset, readLines, type DataDict } from '@fets/pipeline';

async function collect(ds: JSONLDataset): Promise<DataDict[]> {
  const out: DataDict[] = [];
  for await (const s of ds.iterate()) out.push(s);
  return out;
}

describe('pipeline/datasets: JSONLDataset', () => {
  let dir: string;
  const write = (name: string, text: string | Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-jsonl-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('streams a generated 20,000-record file in small chunks, matching the records written', async () => {
    const records = Array.from({ length: 20_000 }, (_, i) => ({ id: i, words: ['naïve', 'café', `w${i}`], tag: i % 3 ? 'O' : 'B-X' }));
    const p = write('big.jsonl', `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    for (const chunkSize of [50, 1 << 16]) {
      const got = await collect(new JSONLDataset(p, { chunkSize }));
      expect(got.length).to.equal(records.length);
      expect(got[12_345]).to.deep.equal(records[12_345]);
      expect(got.at(-1)).to.deep.equal(records.at(-1));
    }
    const ds = new JSONLDataset(p, { keys: ['id', 'tag'] });
    expect(ds.keys()).to.deep.equal(['id', 'tag']);
    expect((await collect(ds))[4]).to.deep.equal({ id: 4, tag: 'O' });
  });

  it('yields the same records whatever the chunk size, with CRLF, a BOM, blank lines, no final newline (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.oneof(fc.string(), fc.integer())), {
          minLength: 1,
          maxLength: 30,
        }),
        fc.integer({ min: 4, max: 40 }),
        fc.boolean(),
        fc.boolean(),
        async (recs, chunkSize, crlf, bom) => {
          const nl = crlf ? '\r\n' : '\n';
          const text = (bom ? '\uFEFF' : '') + recs.map((r) => JSON.stringify(r)).join(`${nl}${nl}`);
          const p = write('prop.jsonl', text);
          const ds = new JSONLDataset(p, { chunkSize });
          expect(await collect(ds)).to.deep.equal(recs.map((r) => JSON.parse(JSON.stringify(r))));
          expect(ds.length).to.equal(recs.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('counts length lazily, only when asked', () => {
    const p = write('lazy.jsonl', '{"a":1}\n');
    const ds = new JSONLDataset(p);
    fs.appendFileSync(p, '{"a":2}\n\n{"a":3}');
    expect(ds.length).to.equal(3);
  });

  it('reports bad JSON, non-objects, missing keys and invalid UTF-8 at file:line', async () => {
    const p = write('bad.jsonl', '{"a":1}\n\n{"a":2\n');
    const e = await errorOf(collect(new JSONLDataset(p)));
    expect(e).to.be.instanceOf(DataFormatError);
    expect(e.message).to.match(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3: invalid JSON .*: "\\{\\\\"a\\\\":2"$`));
    expect((await errorOf(collect(new JSONLDataset(write('arr.jsonl', '[1,2]\n'))))).message).to.contain(
      'arr.jsonl:1: expected a JSON object per line',
    );
    expect((await errorOf(collect(new JSONLDataset(write('k.jsonl', '{"a":1}\n{"b":1}\n'), { keys: ['a'] })))).message).to.contain(
      'k.jsonl:2: missing key "a" (record has: b)',
    );
    const utf = write('u.jsonl', Buffer.concat([Buffer.from('{"a":1}\n{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    expect(await errorOf(collect(new JSONLDataset(utf))))
      .to.be.instanceOf(DataFormatError)
      .with.property('line', 2);
    expect(() => new JSONLDataset(path.join(dir, 'missing.jsonl'))).to.throw(/file not found/);
    expect(() => new JSONLDataset(p, { key: ['a'] } as never)).to.throw(ConfigError, /did you mean "keys"/);
  });

  it('stops reading when the consumer stops (early break closes the file)', async () => {
    const p = write('stop.jsonl', Array.from({ length: 1000 }, (_, i) => `{"i":${i}}`).join('\n'));
    const lines = readLines(p, { chunkSize: 64 });
    const first = await lines.next();
    expect(first.value).to.deep.equal({ text: '{"i":0}', line: 1 });
    const done = await lines.return(undefined);
    expect(done.done).to.equal(true);
    let n = 0;
    for await (const s of new JSONLDataset(p).iterate()) if (++n === 3 || s.i === 2) break;
    expect(n).to.equal(3);
  });
});
