/**
 * The new-user sequence of issue #25: train with the recipe, copy `runs/<name>/model` to an empty folder elsewhere and
 * tag text there with `fets predict <folder>`, with no FETS_DATA_DIR, an empty home (no caches) and the network
 * blocked: the same spans as the run itself. The old way (`fets predict <experiment> --load <run>`) fails in that
 * environment, which shows the environment really has no data and no network.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { readNerConfig } from '../../examples/ner-bert/config.js';
import { buildNer } from '../../examples/ner-bert/recipe.js';
import { ROOT, shared } from '../helpers.js';

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Preloaded into every Node process of the run: any network connection throws. */
const BLOCK_NETWORK = `import net from 'node:net';
const refuse = () => { throw new Error('network blocked by the test'); };
globalThis.fetch = async () => refuse();
net.Socket.prototype.connect = refuse;
`;

/** Runs the real `fets` bin in `cwd` with exactly `env` (nothing inherited but PATH). */
function fets(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'packages', 'estimator', 'bin', 'fets.mjs'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples/ner-bert: the model folder, copied elsewhere, tags with nothing else', function () {
  this.timeout(300_000);
  let dir: string;
  before(async () => {
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-new-user-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('train → copy runs/<name>/model to an empty folder → fets predict <folder>: no data dir, no caches, no network, same spans', async () => {
    const outDir = path.join(dir, 'runs', 'ner-bert');
    const cfg = readNerConfig([
      '--model',
      'tiny',
      '--dataDir',
      shared('datasets'),
      '--vocab',
      shared('vocab', 'bert-base-uncased-vocab.txt'),
      '--epochs',
      '1',
      '--trainStepsPerEpoch',
      '150',
      '--batchSize',
      '16',
      '--evalFraction',
      '0.03',
      '--outDir',
      outDir,
      '--logSteps',
      '0',
      '--checkpoints',
      'false',
    ]);
    const run = await buildNer(cfg);
    await run.estimator.fit();
    const modelDir = path.join(outDir, 'model');
    expect(readdirSync(modelDir).sort()).to.deep.equal(
      [
        'config.json',
        'fets.json',
        'model.safetensors',
        'special_tokens_map.json',
        'tokenizer.json',
        'tokenizer_config.json',
        'vocab.txt',
      ].sort(),
    );

    // engtest.bio's first 200 sentences, and one paragraph longer than maxLen (read in windows).
    const blocks = readFileSync(shared('datasets', 'mit-movie', 'engtest.bio'), 'utf8')
      .replace(/\r\n/g, '\n')
      .trim()
      .split('\n\n');
    const lines = blocks.slice(0, 200).map((b) =>
      b
        .split('\n')
        .map((l) => l.split('\t')[1]!)
        .join(' '),
    );
    lines.push(lines.slice(0, 20).join(' '));
    const expected = (await new fe.TokenTagger(run.pipeline, run.network).tag(lines.map((l) => l.split(' ')))).map((s) => ({
      words: s.words,
      entities: s.entities,
    }));
    expect(
      expected.reduce((n, s) => n + s.entities.length, 0),
      'entities found by the run',
    ).to.be.greaterThan(50);
    expect(expected.at(-1)!.words.length).to.be.greaterThan(cfg.maxLen);

    // Elsewhere: an empty folder with the copy and the text; an empty home; no FETS_DATA_DIR; downloads to a closed
    // port; every socket refused.
    const elsewhere = path.join(dir, 'elsewhere');
    const home = path.join(dir, 'empty-home');
    mkdirSync(elsewhere);
    mkdirSync(home);
    cpSync(modelDir, path.join(elsewhere, 'ner-model'), { recursive: true });
    writeFileSync(path.join(elsewhere, 'in.txt'), `${lines.join('\n')}\n`);
    const block = path.join(dir, 'block-network.mjs');
    writeFileSync(block, BLOCK_NETWORK);
    const port = await closedPort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      HF_HOME: path.join(home, 'hf'),
      HF_ENDPOINT: `http://127.0.0.1:${port}`,
      NODE_OPTIONS: `--import=${block}`,
      FETS_QUIET: '1',
    };
    const r = await fets(['predict', 'ner-model', '--input', 'in.txt', '--out', 'spans.jsonl'], elsewhere, env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/fets predict: 201 sentences \(\d+ words\) in [\d.]+ s/);
    const got = readFileSync(path.join(elsewhere, 'spans.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(got).to.deep.equal(expected);

    // The same environment stops the old way, which rebuilds the experiment and needs the training data.
    const old = await fets(
      ['predict', path.join(ROOT, 'examples', 'ner-bert', 'experiment.ts'), '--load', outDir, '--set', 'model=tiny', '--input', 'in.txt'],
      elsewhere,
      env,
    );
    expect(old.code).to.equal(1);
    expect(old.stderr).to.match(/DownloadError|network blocked|fetch failed/);
  });
});
