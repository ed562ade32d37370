import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { ROOT, shared } from '../helpers.js';
import { launchChromium, requireChromium } from './chromium.js';

const PAGE = path.join(ROOT, 'examples', 'ner-web');
const builtins = new Set(builtinModules);

/** The bundle's inputs and, for each, the Node.js built-ins it imports (the page's build makes those inert). */
async function bundleInputs(contents: string): Promise<{ inputs: string[]; nodeImporters: string[] }> {
  const esbuild = await import('esbuild');
  const r = await esbuild.build({
    stdin: { contents, resolveDir: ROOT, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    conditions: ['fets-source'],
    metafile: true,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins-as-empty',
        setup(b) {
          b.onResolve({ filter: /^[a-z_:/]+$/ }, (a) =>
            a.path.startsWith('node:') || builtins.has(a.path) ? { path: a.path, namespace: 'node' } : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'node' }, () => ({ contents: 'module.exports = {}', loader: 'js' }));
        },
      },
    ],
  });
  const entries = Object.entries(r.metafile.inputs);
  return {
    inputs: entries.map(([f]) => f),
    nodeImporters: entries.filter(([, i]) => i.imports.some((m) => m.path.startsWith('node:'))).map(([f]) => f),
  };
}

describe("fets' wasm kernels in a browser bundle", () => {
  it('bundle without the native addon or a Node.js module in the kernel layer', async function () {
    this.timeout(60_000);
    const { inputs, nodeImporters } = await bundleInputs(
      "export { registerWasmKernels, wasmKernelStatus, registerWebGpuKernels } from '@fets/network/browser';",
    );
    expect(inputs.some((f) => f.endsWith('packages/network/src/kernels/gemm.ts'))).to.equal(true);
    expect(inputs.some((f) => f.endsWith('packages/network/src/kernels/assembler.ts'))).to.equal(true);
    expect(inputs.filter((f) => f.includes('kernels/native/addon'))).to.deep.equal([]);
    expect(nodeImporters.filter((f) => f.includes('packages/network/src/kernels/'))).to.deep.equal([]);
    // The Node entry still loads the addon's loader.
    const node = await bundleInputs("export * from '@fets/network/kernels';");
    expect(node.inputs.some((f) => f.endsWith('kernels/native/addon.ts'))).to.equal(true);
  });
});

type PageStatus = {
  backend: string;
  isolated: boolean;
  kernels?: { kernels: string[]; gemm: string; threads: number; sharedMemory: boolean; calls: Record<string, number> };
};

describe("examples/ner-web: fets' wasm kernels serve the page (Chromium headless)", function () {
  // About 45 s on a quiet machine; 236 s was seen at load average 12.
  this.timeout(900_000);
  let dir: string;
  before(async function () {
    requireChromium(this);
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-web-kernels-'));
  });
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it("tags 120 MIT Movie sentences as Node's TokenTagger does, on fets' kernels (isolated: threaded build), and without them", async () => {
    // An untrained BERT with odd sizes (hidden 36, heads of 9, intermediate 60, 25 labels: partial GEMM panels),
    // weights spread wide so its argmax margins dwarf float rounding; the real vocabulary and MIT Movie's labels.
    const blocks = readFileSync(shared('datasets', 'mit-movie', 'engtest.bio'), 'utf8')
      .replace(/\r\n/g, '\n')
      .trim()
      .split('\n\n');
    const rows = blocks.map((b) => b.split('\n').map((l) => l.split('\t') as [string, string]));
    const labels = [...new Set(rows.flat().map(([tag]) => tag))].sort((a, b) => (a === 'O' ? -1 : b === 'O' ? 1 : a.localeCompare(b)));
    const sentences = rows.slice(0, 120).map((r) => r.map(([, w]) => w));
    const vocab = readFileSync(shared('vocab', 'bert-base-uncased-vocab.txt'), 'utf8').split('\n').filter(Boolean);
    const model = fe.architecture.bertForTokenClassification({
      vocabSize: vocab.length,
      hiddenSize: 36,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      intermediateSize: 60,
      maxPositionEmbeddings: 64,
      id2label: labels,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
      initializerRange: 0.5,
      seed: 7,
    });
    const tokenizer = new fe.text.BertWordPieceTokenizer(vocab, { lowercase: true });
    const tokenize = new fe.op.BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels, maxLen: 48 });
    const folder = path.join(dir, 'model');
    await fe.saveModelFolder(folder, model, { tokenize });
    model.dispose();
    const tagger = await fe.TokenTagger.load(folder);
    // A paragraph longer than maxLen too: the page reads it in the same windows.
    const texts = [...sentences, sentences.slice(0, 12).flat()];
    const expected = (await tagger.tag(texts)).map((s) => s.tags);
    tagger.dispose();
    expect(new Set(expected.flat()).size, 'distinct tags Node predicts').to.be.at.least(5);

    execFileSync(process.execPath, [path.join(PAGE, 'build.mjs')], { stdio: 'ignore' });
    const { serve } = (await import(path.join(PAGE, 'serve.mjs'))) as {
      serve: (o: { root: string; model: string; isolate?: boolean }) => Promise<{ server: import('node:http').Server; url: string }>;
    };
    const browser = await launchChromium();
    /** Opens the page (`isolate`: with the COOP/COEP headers), tags every text, returns the tags and what served. */
    const run = async (isolate: boolean, query: string) => {
      const { server, url } = await serve({ root: path.join(PAGE, 'dist'), model: folder, isolate });
      try {
        const page = await browser.newPage();
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${url}?backend=wasm${query}`);
        await page.waitForSelector('body[data-ready]', { timeout: 600_000 });
        expect(await page.getAttribute('body', 'data-ready'), (await page.textContent('#status')) ?? '').to.equal('true');
        const status = (): Promise<PageStatus> =>
          page.evaluate(() => {
            const w = window as unknown as { fetsBackend: string; fetsKernels: () => PageStatus['kernels'] };
            return { backend: w.fetsBackend, isolated: crossOriginIsolated, kernels: w.fetsKernels() };
          });
        const before = await status();
        const tags = await page.evaluate(
          (ts) => ts.map((t) => (window as unknown as { fetsTag: (x: string) => { tags: string[] } }).fetsTag(t.join(' ')).tags),
          texts,
        );
        const after = await status();
        const shown = (await page.textContent('#status')) ?? '';
        expect(errors).to.deep.equal([]);
        await page.close();
        return { tags, before, after, shown };
      } finally {
        server.close();
      }
    };
    try {
      const calls = (s: PageStatus, k: string) => s.kernels?.calls[k] ?? 0;
      for (const isolate of [true, false]) {
        const r = await run(isolate, '');
        expect(r.after.isolated, 'crossOriginIsolated').to.equal(isolate);
        expect(r.shown).to.include('tfjs wasm + fets kernels (GEMM');
        const k = r.after.kernels!;
        expect(k.kernels).to.include.members(['BatchMatMul', 'FetsGelu', 'FetsLayerNorm', 'Transpose', 'GatherV2']);
        expect(k.gemm, 'GEMM loops on the page heap').to.be.oneOf(['fma', 'simd']);
        expect(k.sharedMemory, 'threaded build (shared heap)').to.equal(isolate);
        // Every kernel the model needs ran on fets' functions while tagging: 2 layers × 121 texts (and windows).
        for (const name of ['FetsGelu', 'FetsLayerNorm', 'BatchMatMul', 'gemm']) {
          expect(calls(r.after, name) - calls(r.before, name), `${name} calls while tagging`).to.be.at.least(2 * texts.length);
        }
        expect(r.tags, `page tags (isolated: ${isolate}) vs Node's TokenTagger`).to.deep.equal(expected);
      }
      // The page as before this change: tfjs' own wasm kernels, not isolated. Same tags; no fets kernel registered.
      const plain = await run(false, '&kernels=off');
      expect(plain.shown).to.include('its own kernels only');
      expect(plain.after.kernels!.kernels).to.deep.equal([]);
      expect(plain.tags).to.deep.equal(expected);
    } finally {
      await browser.close();
    }
  });
});
