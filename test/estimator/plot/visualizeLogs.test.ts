import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { Pipeline } from '@fets/pipeline';
import { Estimator, Logger, Summary, parseLogFile, plotPoints, visualizeLogs } from '@fets/estimator';
import { Range, ScriptedNetwork } from '../traces/fakes.js';

async function run(name: string, scale: number): Promise<{ summary: Summary; lines: string[] }> {
  const lines: string[] = [];
  const est = new Estimator({
    pipeline: new Pipeline({ trainData: new Range(8), evalData: new Range(4), batchSize: 2 }),
    network: new ScriptedNetwork({ trainLoss: (s) => scale / s, evalLoss: (e) => scale / (e + 0.5), lrs: () => [['model', 0.001]] }),
    epochs: 3,
    logSteps: 1,
    name,
    traces: [new Logger({ write: (l) => lines.push(l) })],
  });
  return { summary: await est.fit({ warmup: false }), lines };
}

/** Checks that every opened element is closed in order (a cheap well-formedness test for generated SVG). */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('estimator/plot parseLogFile and visualizeLogs', () => {
  it('parseLogFile reads Logger output back into the Summary the run returned', async () => {
    const { summary, lines } = await run('a', 2);
    const parsed = parseLogFile(['noise line', ...lines, 'FastEstimator-Warn: whatever'].join('\n'), 'a');
    for (const mode of ['train', 'eval'] as const) {
      for (const [key, byStep] of Object.entries(parsed.history[mode]!)) {
        for (const [step, v] of byStep) {
          const orig = summary.history[mode]![key]!.get(step) as number;
          expect(v as number).to.be.closeTo(orig, Math.abs(orig) * 1e-5 + 1e-12, `${mode} ${key} @${step}`);
        }
      }
    }
    expect([...parsed.history.train!.loss!.keys()]).to.deep.equal([...summary.history.train!.loss!.keys()]);
    expect([...parsed.history.eval!.loss!.keys()]).to.deep.equal([4, 8, 12]);
    expect(parsed.history.train!.epoch).to.equal(undefined);
    // Only the Finish line's values (recorded at onEnd) are not train/eval lines.
    expect(Object.keys(summary.history.train!).sort()).to.deep.equal([...Object.keys(parsed.history.train!), 'total_time(sec)'].sort());
  });

  it('parseLogFile keeps NaN, arrays and data-set suffixes; a line without a step is an error with its line number', () => {
    const s = parseLogFile(
      [
        'FastEstimator-Eval(ds1): step: 10; epoch: 1; loss: NaN; confusion_matrix: [[1,2],[3,4]];',
        'FastEstimator-Test: step: 10; f1: 0.5;',
      ].join('\n'),
    );
    expect(Number.isNaN(s.history.eval!.loss!.get(10))).to.equal(true);
    expect(s.history.eval!.confusion_matrix!.get(10)).to.deep.equal([
      [1, 2],
      [3, 4],
    ]);
    expect(s.history.test!.f1!.get(10)).to.equal(0.5);
    expect(() => parseLogFile('x\nFastEstimator-Train: loss: 1;')).to.throw(/parseLogFile: line 2: expected "step: <integer>;"/);
  });

  it('draws one panel per key and one line per run and mode to SVG and PNG', async () => {
    const a = (await run('bert-tiny', 2)).summary;
    const b = (await run('bert-mini', 1)).summary;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fets-plot-'));
    const svgPath = path.join(dir, 'out', 'curves.svg');
    const svg = await visualizeLogs([a, b], { savePath: svgPath, keys: ['loss', 'steps/sec'], title: 'compare' });
    expect(svg.startsWith('<svg')).to.equal(true);
    expect(svg.trimEnd().endsWith('</svg>')).to.equal(true);
    expect(balanced(svg)).to.equal(true);
    for (const label of ['bert-tiny train', 'bert-tiny eval', 'bert-mini train', 'bert-mini eval', 'loss', 'steps/sec', 'compare'])
      expect(svg).to.include(label);
    expect(fs.readFileSync(svgPath, 'utf8')).to.equal(svg);
    const points = plotPoints([a, b], ['loss']);
    expect(new Set(points.map((p) => p.series))).to.deep.equal(
      new Set(['bert-tiny train', 'bert-tiny eval', 'bert-mini train', 'bert-mini eval']),
    );
    // One line per series and panel: loss has train+eval of both runs (4), steps/sec train of both runs (2).
    expect((svg.match(/aria-roledescription="line mark"/g) ?? []).length).to.equal(6);
    const pngPath = path.join(dir, 'curves.png');
    await visualizeLogs(a, { savePath: pngPath, modes: ['eval'] });
    const png = fs.readFileSync(pngPath);
    expect([...png.subarray(0, 8)]).to.deep.equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).to.be.greaterThan(300); // IHDR width
  });

  it('errors: nothing to draw, a bad extension, an unknown option', async () => {
    const s = new Summary('empty');
    let err: unknown;
    await visualizeLogs(s).catch((e) => (err = e));
    expect(String(err)).to.match(/visualizeLogs: nothing to draw/);
    s.record('train', 'loss', 1, 0.5);
    await visualizeLogs(s, { savePath: 'x.jpg' }).catch((e) => (err = e));
    expect(String(err)).to.match(/visualizeLogs: savePath: expected a path ending in \.svg or \.png/);
    await visualizeLogs(s, { save_path: 'x.svg' } as never).catch((e) => (err = e));
    expect(String(err)).to.match(/unknown option "save_path", did you mean "savePath"/);
  });
});
