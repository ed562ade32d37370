import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  CSVLogger,
  Estimator,
  Logger,
  Network,
  Pipeline,
  RestoreWizard,
  RunFileError,
  Summary,
  build,
  compareRuns,
  initBackend,
  op,
  parseCsvLog,
  readRunFile,
  readRuns,
  trace,
  type Mode,
} from '@fets/estimator';
import { denseData } from './fixtures/dense.js';

/** Every numeric (mode, key) series of a Summary, for comparing how two formats recorded one run. */
function series(s: Summary, keys: readonly string[]): Record<string, [number, number][]> {
  const out: Record<string, [number, number][]> = {};
  for (const mode of ['train', 'eval'] as Mode[]) for (const k of keys) out[`${mode}/${k}`] = s.series(mode, k);
  return out;
}

describe('cli: saved runs (Logger lines, CSVLogger, Summary JSON, checkpoints)', function () {
  this.timeout(60_000);
  let dir: string;
  let fitted: Summary;
  before(async () => {
    await initBackend({ quiet: true });
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-runs-'));
    const lines: string[] = [];
    const model = build(
      () => tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 })] }),
      () => tf.train.adam(0.05),
      { modelName: 'lin' },
    );
    const est = new Estimator({
      pipeline: new Pipeline({ trainData: denseData(48, 0), evalData: denseData(32, 1), batchSize: 8 }),
      network: new Network([
        new op.ModelOp({ model, inputs: 'x', outputs: 'yPred' }),
        new op.CrossEntropy({ inputs: ['yPred', 'y'], outputs: 'ce', fromLogits: true }),
        new op.UpdateOp({ model, lossName: 'ce' }),
      ]),
      epochs: 3,
      logSteps: 2,
      traces: [
        new trace.Accuracy({ trueKey: 'y', predKey: 'yPred', mode: 'eval' }),
        new Logger({ write: (l) => lines.push(l), progress: 'off', digits: 12 }),
        new CSVLogger({ filename: path.join(dir, 'run.csv') }),
        new RestoreWizard({ directory: path.join(dir, 'ckpt') }),
      ],
    });
    fitted = await est.fit({ summary: 'fitted' });
    writeFileSync(path.join(dir, 'run.log'), `some header\n${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'fitted.json'), JSON.stringify(fitted.toJSON()));
    writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ f1: 0.8 }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the Logger output, the CSVLogger file, the Summary JSON and the checkpoint all read back as the run fit() returned', () => {
    const keys = ['ce', 'accuracy'];
    const want = series(fitted, keys);
    expect(want['eval/accuracy']).to.have.length(3);
    expect(want['train/ce']!.length).to.be.greaterThan(3);
    const csv = readRunFile(path.join(dir, 'run.csv'));
    expect(csv.format).to.equal('csv');
    expect(series(csv.summary, keys)).to.deep.equal(want); // 17 significant digits: exact
    const json = readRunFile(path.join(dir, 'fitted.json'));
    expect(json.format).to.equal('summary');
    expect(json.summary.name).to.equal('fitted');
    expect(series(json.summary, keys)).to.deep.equal(want);
    const ckpt = readRuns([path.join(dir, 'ckpt')]);
    expect(ckpt.map((r) => r.format)).to.deep.equal(['checkpoint']);
    expect(ckpt[0]!.summary.name).to.equal('ckpt');
    expect(series(ckpt[0]!.summary, keys)).to.deep.equal(want);
    const log = readRunFile(path.join(dir, 'run.log'));
    expect(log.format).to.equal('log');
    const got = series(log.summary, keys);
    for (const k of Object.keys(want)) {
      expect(
        got[k]!.map(([s]) => s),
        k,
      ).to.deep.equal(want[k]!.map(([s]) => s));
      got[k]!.forEach(([, v], i) => expect(v).to.be.closeTo(want[k]![i]![1], 1e-9 * Math.max(1, Math.abs(v))));
    }
  });

  it('a folder gives every run file in it (metrics.json and other JSON skipped); equal names are told apart by path', () => {
    const runs = readRuns([dir]);
    expect(runs.map((r) => `${r.format}:${path.basename(r.file)}`)).to.deep.equal(['summary:fitted.json', 'csv:run.csv', 'log:run.log']);
    const twice = readRuns([path.join(dir, 'run.csv'), path.join(dir, 'run.csv')]);
    expect(twice.map((r) => r.summary.name)).to.deep.equal(twice.map((r) => r.file));
  });

  it('compareRuns puts the last value of each (mode, key) side by side', () => {
    const a = new Summary('a');
    const b = new Summary('b');
    a.record('train', 'ce', 1, 0.9);
    a.record('train', 'ce', 2, 0.5);
    a.record('eval', 'f1', 2, 0.75);
    b.record('eval', 'f1', 4, 0.8);
    b.record('eval', 'note', 4, 'text');
    const rows = compareRuns([
      { summary: a, file: 'a.json', format: 'summary' },
      { summary: b, file: 'b.json', format: 'summary' },
    ]);
    expect(rows.map((r) => r.split(/ {2,}/))).to.deep.equal([
      ['mode', 'key', 'a', 'b'],
      ['train', 'ce', '0.5 @2'],
      ['eval', 'f1', '0.75 @2', '0.8 @4'],
    ]);
  });

  it('parseCsvLog reads RFC 4180 quoting (the Pipeline parser) and keeps data-set ids apart', () => {
    const quoted = parseCsvLog('mode,epoch,step,"a,b"\r\neval,1,3,"2"\n', 'q');
    expect(quoted.series('eval', 'a,b')).to.deep.equal([[3, 2]]);
    const s = parseCsvLog('mode,epoch,step,f1,"[1,2]"\neval(ds1),1,10,0.5,\neval,1,10,0.6,7\n', 'x');
    expect(s.series('eval', 'f1(ds1)')).to.deep.equal([[10, 0.5]]);
    expect(s.series('eval', 'f1')).to.deep.equal([[10, 0.6]]);
    expect(s.series('eval', '[1,2]')).to.deep.equal([[10, 7]]);
  });

  it('errors name the file (and line) when it is not a run', () => {
    const bad = path.join(dir, 'bad');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, 'x.csv'), 'a,b\n1,2\n');
    writeFileSync(path.join(bad, 'y.csv'), 'mode,epoch,step,ce\nwarmup,1,2,0.5\n');
    writeFileSync(path.join(bad, 'z.txt'), 'nothing logged here\n');
    writeFileSync(path.join(bad, 'w.json'), '{"a": 1}');
    expect(() => readRunFile(path.join(bad, 'x.csv'))).to.throw(
      RunFileError,
      /x\.csv:1: expected a CSVLogger header "mode,epoch,step,…", received "a,b"/,
    );
    expect(() => readRunFile(path.join(bad, 'y.csv'))).to.throw(
      RunFileError,
      /y\.csv:2: expected "<mode>,<epoch>,<step>,…" with a mode of train\/eval\/test\/infer/,
    );
    expect(() => readRunFile(path.join(bad, 'z.txt'))).to.throw(RunFileError, /z\.txt: no FastEstimator-Train\/Eval\/Test lines/);
    expect(() => readRunFile(path.join(bad, 'w.json'))).to.throw(
      RunFileError,
      /w\.json: expected a Summary JSON \(\{ name, history \}\) or a RestoreWizard manifest\.json, received keys a/,
    );
    expect(() => readRuns([bad])).to.throw(RunFileError, /bad: no saved runs in this folder/);
    expect(() => readRuns([path.join(dir, 'nope.log')])).to.throw(RunFileError, /nope\.log: no such file or folder/);
  });
});
