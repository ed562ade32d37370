/**
 * Fault catalogue, configuration: what a user gets wrong when driving a run from the `fets` command line (YAML/JSON
 * parameter files, `--set` overrides, the experiment file itself). Each case runs the real bin and asserts the exact
 * message (owner, key, expected, received, where the value came from) and a non-zero exit before any training.
 * Then `fets check` on a miswired experiment (the op and key named) and on the NER experiment (the graph printed).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SHARED } from '../helpers.js';
import { runBin, type BinResult } from '../estimator/cli/runBin.js';

const DENSE = 'test/estimator/cli/fixtures/dense.ts';
const VALID = 'units, epochs, batchSize, lr, samples, model, saveDir, csv, labelKey, seed';

/** A fatal configuration error: exit 1, nothing trained, stderr is exactly the error. */
function expectFatal(r: BinResult, message: string): void {
  expect(r.code, r.stderr).to.equal(1);
  expect(r.stdout).not.to.include('FastEstimator-');
  expect(r.stderr.trim()).to.equal(message);
}

describe('faults/config: bad parameters and experiment files on the command line', function () {
  this.timeout(120_000);
  let dir: string;
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fets-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('C1 a negative size: ConfigError naming the key, the bound and the value, and the --set it came from', async () => {
    const r = await runBin(['train', DENSE, '--set', 'units=-3']);
    expectFatal(r, 'ConfigError: dense: units: Too small: expected number to be >=1, received -3 (from --set units=-3)');
  });

  it('C2 a zero size in a YAML file: the file and line of the value are named', async () => {
    const cfg = file('zero.yaml', '# sizes\nepochs: 2\nbatchSize: 0\n');
    const r = await runBin(['check', DENSE, '--config', cfg]);
    expectFatal(r, `ConfigError: dense: batchSize: Too small: expected number to be >=1, received 0 (from ${cfg}:3)`);
  });

  it('C3 a non-integer size', async () => {
    const r = await runBin(['check', DENSE, '--set', 'units=2.5']);
    expectFatal(r, 'ConfigError: dense: units: Invalid input: expected int, received number, received 2.5 (from --set units=2.5)');
  });

  it('C4 an unknown key in a file (top level and nested): rejected with the nearest valid name and the valid ones', async () => {
    const cfg = file('unknown.yaml', 'units: 4\nbatchsize: 8\nmodel:\n  activaton: tanh\n');
    const r = await runBin(['check', DENSE, '--config', cfg]);
    expectFatal(
      r,
      `ConfigError: dense: unknown option "model.activaton", did you mean "activation"? (valid: activation, name) (from ${cfg}:4)\n` +
        `dense: unknown option "batchsize", did you mean "batchSize"? (valid: ${VALID}) (from ${cfg}:2)`,
    );
  });

  it('C5 a wrong type (a string for a number) in a JSON file', async () => {
    const cfg = file('types.json', '{\n  "units": 4,\n  "lr": "0.01"\n}\n');
    const r = await runBin(['check', DENSE, '--config', cfg]);
    expectFatal(r, `ConfigError: dense: lr: Invalid input: expected number, received string, received "0.01" (from ${cfg}:3)`);
  });

  it('C6 a --set path that does not exist: the path and the nearest valid one are named', async () => {
    const r = await runBin(['train', DENSE, '--set', 'modle.name=m']);
    expectFatal(
      r,
      `ConfigError: dense: --set modle.name=m: "modle.name" is not a parameter (no "modle"); did you mean "model.name"? (valid: ${VALID})`,
    );
  });

  it('C7 a YAML file that does not parse: file:line and column where the unclosed quote opened, the line quoted', async () => {
    const cfg = file('broken.yaml', 'units: 4\nmodel:\n  activation: "tanh\nepochs: 2\n');
    const r = await runBin(['check', DENSE, '--config', cfg]);
    expectFatal(r, `ConfigFileError: ${cfg}:3: column 15: Missing closing "quote (still open at line 5): "activation: \\"tanh"`);
  });

  it('C8 a missing experiment file, a missing config file', async () => {
    const r = await runBin(['train', 'examples/ner-bert/experimnt.ts']);
    expectFatal(
      r,
      `ExperimentError: experiment file not found: examples/ner-bert/experimnt.ts (looked for ${path.resolve('examples/ner-bert/experimnt.ts')})`,
    );
    const c = await runBin(['check', DENSE, '--config', path.join(dir, 'nope.yaml')]);
    expectFatal(
      c,
      `ConfigFileError: ${path.join(dir, 'nope.yaml')}: cannot read parameter file: no such file (looked for ${path.join(dir, 'nope.yaml')})`,
    );
  });

  it('C9 fets check on a miswired Network: PipelineError naming the op and the key nobody produces, exit 1', async () => {
    const r = await runBin(['check', 'test/estimator/cli/fixtures/brokenGraph.ts']);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.include('fets: broken-graph params (defaults):');
    expect(r.stderr.trim()).to.equal(
      'PipelineError: Network: op CrossEntropy reads key "label" in mode "train", but neither the Pipeline nor an earlier Network op ' +
        'provides it (available: x, y, yPred; from the Pipeline: x, y)',
    );
  });

  it('C10 fets check passes on the NER experiment with configs/tiny.yaml and prints the op graph of every mode', async () => {
    const r = await runBin(['check', 'examples/ner-bert/experiment.ts', '--config', 'examples/ner-bert/configs/tiny.yaml'], {
      env: { FETS_DATA_DIR: path.join(SHARED, 'datasets') },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include('fets: ner-bert params (examples/ner-bert/configs/tiny.yaml):\n  dataset: mit-movie\n  model: tiny\n');
    for (const mode of ['train', 'eval', 'test']) expect(r.stdout).to.match(new RegExp(`^mode ${mode}: \\d+ samples$`, 'm'));
    expect(r.stdout).to.match(/^ {4}1\. +BertTokenize +words, tags → x, y, wordIds$/m);
    expect(r.stdout).to.match(/^ {4}2\. +AttentionMask +x → xMask$/m);
    expect(r.stdout).to.match(
      /^ {2}first batch: words list\(32\) of lists; tags list\(32\) of lists; window int32 \[32, 5\]; x int32 \[32, \d+\]; y int32 \[32, \d+\]; wordIds int32 \[32, \d+\]; xMask int32 \[32, \d+\]$/m,
    );
    expect(r.stdout).to.match(/^ {4}1\. +ModelOp +x, xMask → yPred +yPred float32 \[32, \d+, 25\]$/m);
    expect(r.stdout).to.match(/^ {4}3\. +UpdateOp \(model "bert"\) +ce → ∅ +gradients of \d+ variables, ce = [\d.]+ \(not applied\)$/m);
    // The default head is the CRF: its loss in training, Viterbi decoding (TagDecode) for the metrics.
    expect(r.stdout).to.match(/^ {4}2\. +CrfLoss +yPred, y → ce +ce float32 \[\]$/m);
    expect(r.stdout).to.match(/^ {4}3\. +TagDecode +yPred, wordIds → yTag +yTag int32 \[32, \d+\]$/m);
    expect(r.stdout).to.match(/^ {4}- +SeqEval +yTag, wordIds, tags, window → f1, precision, recall/m);
    expect(r.stdout).to.match(/fets check: ok: ner-bert: train, eval, test checked \(one batch each, no weights changed\) in \d+\.\d s\n$/);
    expect(r.stdout).not.to.include('FastEstimator-Train');
  });
});
