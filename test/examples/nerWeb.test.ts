import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { readNerConfig } from '../../examples/ner-bert/config.js';
import { buildNer } from '../../examples/ner-bert/recipe.js';
import { ROOT, shared } from '../helpers.js';
import { launchChromium, requireChromium } from './chromium.js';

const OUT = path.join(ROOT, 'test', '.tmp-ner-web');

/** The first `n` sentences of MIT Movie's engtest.bio, words joined by spaces. */
function testSentences(n: number): string[] {
  const blocks = readFileSync(shared('datasets', 'mit-movie', 'engtest.bio'), 'utf8')
    .replace(/\r\n/g, '\n')
    .trim()
    .split('\n\n');
  return blocks.slice(0, n).map((b) =>
    b
      .split('\n')
      .map((l) => l.split('\t')[1]!)
      .join(' '),
  );
}

/** The recipe's flags for a tiny model trained `steps` steps on MIT Movie, into `outDir`. */
const tinyRun = (outDir: string, steps: number, ...more: string[]) =>
  readNerConfig([
    '--model',
    'tiny',
    '--dataDir',
    shared('datasets'),
    '--epochs',
    '1',
    '--trainStepsPerEpoch',
    String(steps),
    '--batchSize',
    '16',
    '--outDir',
    outDir,
    '--logSteps',
    '0',
    '--vocab',
    shared('vocab', 'bert-base-uncased-vocab.txt'),
    '--checkpoints',
    'false',
    ...more,
  ]);

/** Serves the page (built once) with `modelDir` as its model, opens it in Chromium and waits until the model is loaded. */
async function openPage(modelDir: string): Promise<{ page: import('playwright-core').Page; errors: string[]; close: () => Promise<void> }> {
  if (!built) {
    execFileSync(process.execPath, [path.join(ROOT, 'examples', 'ner-web', 'build.mjs')], { stdio: 'ignore' });
    built = true;
  }
  const { serve } = (await import(path.join(ROOT, 'examples', 'ner-web', 'serve.mjs'))) as {
    serve: (o: { root: string; model: string }) => Promise<{ server: import('node:http').Server; url: string }>;
  };
  const { server, url } = await serve({ root: path.join(ROOT, 'examples', 'ner-web', 'dist'), model: modelDir });
  const browser = await launchChromium();
  const close = async () => {
    await browser.close();
    server.close();
  };
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 520 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready]', { timeout: 120_000 });
    expect(await page.getAttribute('body', 'data-ready'), (await page.textContent('#status')) ?? '').to.equal('true');
    return { page, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
let built = false;

/** The page's tags and entities of each sentence (its `fetsTag`, the WebTagger). */
async function tagOnPage(page: import('playwright-core').Page, sentences: string[]): Promise<{ tags: string[]; entities: unknown[] }[]> {
  return page.evaluate(
    (ss) => ss.map((t) => (window as unknown as { fetsTag: (x: string) => { tags: string[]; entities: unknown[] } }).fetsTag(t)),
    sentences,
  );
}

describe('@fets/pipeline/text in a browser bundle', () => {
  it('bundles for the browser without one Node.js module (the tokenizer and the text ops)', async () => {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      stdin: { contents: "export * from '@fets/pipeline/text';", resolveDir: ROOT, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      conditions: ['fets-source'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(r.metafile.inputs);
    expect(inputs.some((f) => f.includes('packages/pipeline/src/text/bertWordPieceTokenizer.ts'))).to.equal(true);
    expect(inputs.some((f) => f.includes('packages/pipeline/src/ops/text/bertTokenize.ts'))).to.equal(true);
    expect(inputs.filter((f) => /^node:|datasets\/|\/io\//.test(f))).to.deep.equal([]);
  });
});

describe('examples/ner-web: the trained model in a web page (Chromium headless)', function () {
  this.timeout(300_000);
  let dir: string;
  before(async function () {
    requireChromium(this);
    await fe.initBackend();
    dir = await mkdtemp(path.join(os.tmpdir(), 'fets-ner-web-'));
    mkdirSync(OUT, { recursive: true });
  });
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it("tags what is typed; on 100 MIT Movie test sentences its spans equal fets predict's; a screenshot is written", async () => {
    // A tiny model trained briefly, so the spans are not empty.
    const cfg = tinyRun(path.join(dir, 'run'), 150);
    const run = await buildNer(cfg);
    await run.estimator.fit();
    // The page loads the run's own model folder (BestModelSaver's modelFolder), as `fets predict <folder>` does.
    const modelDir = path.join(cfg.outDir, 'model');

    // What fets predict says (the same TokenTagger), for the first 100 sentences of engtest.bio.
    const sentences = testSentences(100);
    const tagger = new fe.TokenTagger(run.pipeline, run.network);
    const expected = await tagger.tag(sentences.map((s) => s.split(' ')));
    const fromFolder = await fe.TokenTagger.load(modelDir);
    expect(await fromFolder.tag(sentences.map((s) => s.split(' ')))).to.deep.equal(expected);
    fromFolder.dispose();
    expect(expected.reduce((n, s) => n + s.entities.length, 0)).to.be.greaterThan(50);
    // A paragraph of ~300 words (the first 30 sentences run together) at maxLen 48: read in overlapping windows, every
    // word gets a tag, and words far past the first 46 sub-tokens get entities of their own.
    const paragraph = sentences.slice(0, 30).join(' ');
    await tagger.tag([paragraph.split(' ')]);
    const tensors = tf.memory().numTensors;
    const [long] = await tagger.tag([paragraph.split(' ')]);
    expect(tf.memory().numTensors, 'tensors after tagging in windows').to.equal(tensors);
    expect(long!.words.length).to.be.at.least(250);
    expect(long!.tags).to.have.length(long!.words.length);
    expect(long!.entities.filter((e) => e.first > 200).length).to.be.greaterThan(5);

    const { page, errors, close } = await openPage(modelDir);
    try {
      // Typed as a user would: the highlighted spans are those of fets predict on the same sentence.
      const typed = sentences[2]!;
      await page.fill('#text', '');
      await page.type('#text', typed);
      await page.waitForFunction((n) => document.querySelector('#status')?.textContent?.startsWith(`${n} words`), typed.split(' ').length);
      const shown = await page.$$eval('mark.entity', (ms) =>
        ms.map((m) => ({
          type: m.getAttribute('data-type'),
          first: Number(m.getAttribute('data-first')),
          last: Number(m.getAttribute('data-last')),
        })),
      );
      expect(shown).to.deep.equal(expected[2]!.entities.map(({ type, first, last }) => ({ type, first, last })));
      const shot = path.join(OUT, 'screenshot.png');
      await page.screenshot({ path: shot });
      const png = readFileSync(shot);
      expect(png.subarray(1, 4).toString()).to.equal('PNG');
      expect(png.readUInt32BE(16)).to.equal(1000);

      // All 100 sentences through the page's tagger, with its latency per sentence.
      const got = (await page.evaluate((ss) => {
        const tag = (window as unknown as { fetsTag: (t: string) => { entities: unknown[] } }).fetsTag;
        const t0 = performance.now();
        const out = ss.map((s) => tag(s).entities);
        return { out, ms: (performance.now() - t0) / ss.length };
      }, sentences)) as { out: fe.TaggedSentence['entities'][]; ms: number };
      expect(got.out).to.deep.equal(expected.map((s) => s.entities));
      // The page reads the long paragraph in the same windows as fets predict.
      const longOnPage = await page.evaluate(
        (t) => (window as unknown as { fetsTag: (x: string) => { entities: unknown[] } }).fetsTag(t).entities,
        paragraph,
      );
      expect(longOnPage).to.deep.equal(long!.entities);
      writeFileSync(path.join(OUT, 'latency.json'), `${JSON.stringify({ sentences: 100, msPerSentence: got.ms, model: 'bert-tiny' })}\n`);
      expect(errors).to.deep.equal([]);
    } finally {
      await close();
    }
  });

  it("a CRF run (--head crf) writes its model folder; the page decodes it with the CRF's Viterbi, as fets predict and the experiment do", async () => {
    const cfg = tinyRun(path.join(dir, 'run-crf'), 10, '--head', 'crf', '--evalFraction', '0.02');
    const run = await buildNer(cfg);
    await run.estimator.fit();
    const recipeFolder = path.join(cfg.outDir, 'model');
    expect(JSON.parse(readFileSync(path.join(recipeFolder, 'fets.json'), 'utf8')).head).to.deep.include({
      type: 'crf',
      constraints: 'iob2',
    });
    const sentences = testSentences(100);
    const words = sentences.map((s) => s.split(' '));
    const experiment = new fe.TokenTagger(run.pipeline, run.network);
    expect(experiment.tagKey, "the experiment's tags are its TagDecode op's").to.equal('yTag');
    const fromRecipe = await fe.TokenTagger.load(recipeFolder);
    expect(await fromRecipe.tag(words)).to.deep.equal(await experiment.tag(words));
    fromRecipe.dispose();
    // After 10 steps the transitions are still near their start: strong ones make the CRF decide many tags, so that a
    // page decoding per word would disagree. The folder is written again from the same model.
    const model = run.model as fe.architecture.BertCrfForTokenClassification;
    const C = model.labels.length;
    model.crf.transitions.assign(tf.randomUniform([C, C], -3, 3, 'float32', 5));
    const strong = path.join(dir, 'crf-strong');
    const tokenize = run.pipeline.ops.find((o): o is fe.op.BertTokenize => o instanceof fe.op.BertTokenize)!;
    await fe.saveModelFolder(strong, model, { tokenize });
    const expected = await experiment.tag(words);
    const loaded = await fe.TokenTagger.load(strong);
    expect(await loaded.tag(words)).to.deep.equal(expected);
    const perWord = await new fe.TokenTagger(loaded.pipeline, loaded.network, { ...loaded.options, head: { type: 'softmax' } }).tag(words);
    const differ = perWord.flatMap((s, i) => s.tags.filter((t, j) => t !== expected[i]!.tags[j])).length;
    expect(differ, 'words whose Viterbi tag is not their argmax').to.be.greaterThan(20);
    loaded.dispose();

    const { page, errors, close } = await openPage(strong);
    try {
      const got = await tagOnPage(page, sentences);
      expect(got.map((g) => g.tags)).to.deep.equal(expected.map((s) => s.tags));
      expect(got.map((g) => g.entities)).to.deep.equal(expected.map((s) => s.entities));
      expect(errors).to.deep.equal([]);
    } finally {
      await close();
    }
  });
});
