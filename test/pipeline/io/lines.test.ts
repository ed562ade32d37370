import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { countNonBlankLines, DataFormatError, decodeUtf8, readLines, splitLines } from '@fets/pipeline';

describe('pipeline/io: line reading', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-lines-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('readLines equals splitLines of the decoded file for any chunk size, BOM, CRLF, multibyte text (property)', async () => {
    const p = path.join(dir, 'p.txt');
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '')),
          { maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        async (lines, chunkSize, bom, crlf, finalNewline) => {
          const text = lines.join(crlf ? '\r\n' : '\n') + (finalNewline && lines.length ? '\n' : '');
          fs.writeFileSync(p, (bom ? '\uFEFF' : '') + text);
          const got: string[] = [];
          const numbers: number[] = [];
          for await (const { text: t, line } of readLines(p, { chunkSize })) {
            got.push(t);
            numbers.push(line);
          }
          const want = splitLines(decodeUtf8(fs.readFileSync(p), p));
          expect(got).to.deep.equal(want);
          expect(numbers).to.deep.equal(want.map((_, i) => i + 1));
          expect(countNonBlankLines(p, chunkSize)).to.equal(want.filter((l) => l.trim() !== '').length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('decodeUtf8 names the first line with invalid bytes', () => {
    const bytes = Buffer.concat([Buffer.from('ok\nfine\n'), Buffer.from([0x80]), Buffer.from('\n')]);
    expect(() => decodeUtf8(bytes, 'f.txt')).to.throw(DataFormatError, 'f.txt:3: invalid UTF-8');
    expect(decodeUtf8(Buffer.from('\uFEFFa\r\nb'), 'g')).to.equal('a\r\nb');
    expect(splitLines('a\r\nb\n\nc')).to.deep.equal(['a', 'b', '', 'c']);
  });
});
