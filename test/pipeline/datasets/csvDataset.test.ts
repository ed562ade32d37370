import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, CSVDataset, DataFormatError, parseCsv } from '@fets/pipeline';

describe('pipeline/datasets: CSVDataset', () => {
  let dir: string;
  const write = (name: string, text: string | Uint8Array) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-csv-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('parses RFC 4180 quoting: delimiters, doubled quotes and newlines inside quotes, CRLF', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,"" \n';
    expect(() => parseCsv(text, ',', 'q.csv')).to.throw(DataFormatError, 'q.csv:4: unexpected " " after a closing quote');
    const recs = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\r\nlines"\r\nplain,,""\n', ',', 'q.csv');
    expect(recs.map((r) => r.fields)).to.deep.equal([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'two\r\nlines'],
      ['plain', '', ''],
    ]);
    expect(recs.map((r) => r.line)).to.deep.equal([1, 2, 4]);
  });

  it('handles a missing final newline, empty lines, trailing empty field, a quote inside an unquoted field', () => {
    const recs = parseCsv('a;b\n\n1;\n2;it"s', ';', 'f.csv');
    expect(recs.map((r) => r.fields)).to.deep.equal([
      ['a', 'b'],
      ['1', ''],
      ['2', 'it"s'],
    ]);
    expect(() => parseCsv('a\n"open\nstill open', ',', 'u.csv')).to.throw(DataFormatError, 'u.csv:2: unterminated quoted field');
  });

  it('loads a file with a header, detects numeric columns, keeps strings', () => {
    const p = write('iris.csv', 'sepal,petal,species,id\n5.1,1.4,setosa,007\n4.9,,"versi, color",8\n-1e2,.5,virginica,9\n');
    const ds = new CSVDataset(p);
    expect(ds.length).to.equal(3);
    expect(ds.keys()).to.deep.equal(['sepal', 'petal', 'species', 'id']);
    expect(ds.get(0)).to.deep.equal({ sepal: 5.1, petal: 1.4, species: 'setosa', id: 7 });
    expect(ds.get(1).petal).to.be.NaN;
    expect(ds.get(1).species).to.equal('versi, color');
    expect(ds.get(2)).to.deep.equal({ sepal: -100, petal: 0.5, species: 'virginica', id: 9 });
    expect(new CSVDataset(p, { numeric: false }).get(0).id).to.equal('007');
    expect(new CSVDataset(p, { columns: ['species', 'sepal'] }).get(0)).to.deep.equal({ species: 'setosa', sepal: 5.1 });
    expect(() => new CSVDataset(p, { columns: ['specie'] })).to.throw(ConfigError, /no column "specie".*did you mean "species"/);
  });

  it('without a header: default or given column names, other delimiters', () => {
    const p = write('tab.tsv', '1\tx\n2\ty\n');
    expect(new CSVDataset(p, { header: false, delimiter: '\t' }).get(1)).to.deep.equal({ column0: 2, column1: 'y' });
    expect(new CSVDataset(p, { header: false, delimiter: '\t', columns: ['n', 's'] }).get(0)).to.deep.equal({ n: 1, s: 'x' });
    expect(() => new CSVDataset(p, { header: false, delimiter: '\t', columns: ['n'] })).to.throw(ConfigError, /1 names given/);
  });

  it('a row with the wrong field count names file:line and quotes the line', () => {
    const p = write('bad.csv', 'a,b\n1,2\n3,4,5\n');
    expect(() => new CSVDataset(p)).to.throw(DataFormatError, `${p}:3: expected 2 columns, got 3: "3,4,5"`);
    const q = write('bad2.csv', 'a,b\n"multi\nline",2\n3\n');
    expect(() => new CSVDataset(q)).to.throw(DataFormatError, `${q}:4: expected 2 columns, got 1: "3"`);
  });

  it('rejects bad options, an empty file, a duplicate header, invalid UTF-8, a missing file', () => {
    const p = write('ok.csv', 'a\n1\n');
    expect(() => new CSVDataset(p, { delimiter: '"' })).to.throw(ConfigError, /delimiter/);
    expect(() => new CSVDataset(p, { delimeter: ';' } as never)).to.throw(ConfigError, /did you mean "delimiter"/);
    expect(() => new CSVDataset(write('empty.csv', ''))).to.throw(/is empty/);
    expect(() => new CSVDataset(write('dup.csv', 'a,a\n1,2\n'))).to.throw(DataFormatError, /:1: duplicate column name "a"/);
    const bad = write('utf.csv', Buffer.concat([Buffer.from('a\nok\n'), Buffer.from([0x63, 0xff, 0x0a])]));
    expect(() => new CSVDataset(bad)).to.throw(DataFormatError, `${bad}:3: invalid UTF-8`);
    expect(() => new CSVDataset(path.join(dir, 'nope.csv'))).to.throw(/file not found/);
  });

  it('supports split like every map-style data set', () => {
    const p = write('n.csv', `x\n${Array.from({ length: 20 }, (_, i) => i).join('\n')}\n`);
    const ds = new CSVDataset(p);
    const part = ds.split(0.25, { seed: 0 });
    expect(part.length + ds.length).to.equal(20);
    expect(part.length).to.equal(5);
  });
});
