import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { runCli } from '@fets/estimator';
import { ROOT, shared } from '../../helpers.js';

const EXPERIMENT = path.join(ROOT, 'examples', 'ner-bert', 'experiment.ts');

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('cli: fets predict', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-predict-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const base = () => [
    'predict',
    EXPERIMENT,
    '--config',
    path.join(ROOT, 'examples', 'ner-bert', 'configs', 'tiny.yaml'),
    '--set',
    `dataDir=${shared('datasets')}`,
    '--set',
    `vocab=${shared('vocab', 'bert-base-uncased-vocab.txt')}`,
    '--set',
    `outDir=${dir}`,
  ];

  it('reads one sentence a line and writes one JSON line (or CoNLL tags) per sentence; what it says goes to stderr', async () => {
    const input = path.join(dir, 'in.txt');
    writeFileSync(input, 'have you seen the dark knight\n\n  any   good romantic comedies from 1999 \n');
    for (const format of ['jsonl', 'conll'] as const) {
      const out = path.join(dir, `out.${format}`);
      const c = collect();
      expect(
        await runCli([...base(), '--input', input, '--out', out, '--format', format, '--batch-size', '2'], c.io),
        c.err.join('\n'),
      ).to.equal(0);
      expect(c.out).to.deep.equal([]);
      expect(c.err.join('\n')).to.match(/fets predict: 3 sentences \(12 words\) in [\d.]+ s: \d+ sentences\/s/);
      const text = readFileSync(out, 'utf8');
      if (format === 'jsonl') {
        const lines = text
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l));
        expect(lines.map((l) => l.words)).to.deep.equal([
          ['have', 'you', 'seen', 'the', 'dark', 'knight'],
          [],
          ['any', 'good', 'romantic', 'comedies', 'from', '1999'],
        ]);
        for (const l of lines) for (const e of l.entities) expect(e.text).to.equal(l.words.slice(e.first, e.last + 1).join(' '));
      } else {
        const blocks = text
          .split('\n\n')
          .slice(0, 3)
          .map((b) =>
            b
              .split('\n')
              .filter(Boolean)
              .map((r) => r.split(' ')),
          );
        expect(blocks[0]!.map((r) => r[0])).to.deep.equal(['have', 'you', 'seen', 'the', 'dark', 'knight']);
        for (const r of blocks[0]!) expect(r[1]).to.match(/^(O|[BI]-[A-Z_]+)$/);
      }
    }
  });

  it('a missing input file or a bad batch size is one clean error and exit 1', async () => {
    const a = collect();
    expect(await runCli([...base(), '--input', path.join(dir, 'nope.txt')], a.io)).to.equal(1);
    expect(a.err.join('\n')).to.equal(`PredictInputError: fets predict: --input: no such file: ${path.join(dir, 'nope.txt')}`);
    const b = collect();
    expect(await runCli([...base(), '--batch-size', '0'], b.io)).to.equal(1);
    expect(b.err.join('\n')).to.match(/--batch-size: expected a positive integer, received "0"/);
  });
});
