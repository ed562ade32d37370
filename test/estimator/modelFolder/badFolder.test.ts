import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as fe from '@fets/estimator';
import { errorOf } from '../../helpers.js';
import { LABELS, VOCAB, tempDir, tinyModel, tinyTokenize } from './tinyFolder.js';

/** Rewrites fets.json's checksums for the files as they are now: a folder edited by hand, consistent but wrong. */
async function reseal(folder: string): Promise<void> {
  const file = path.join(folder, 'fets.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  for (const name of Object.keys(manifest.sha256)) manifest.sha256[name] = await fe.io.sha256Hex(readFileSync(path.join(folder, name)));
  writeFileSync(file, JSON.stringify(manifest));
}

const editJson = (file: string, edit: (j: Record<string, unknown>) => void) => {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  edit(j);
  writeFileSync(file, JSON.stringify(j));
};

describe('model folder: damaged, incomplete or inconsistent folders are refused, the file named in one line', function () {
  this.timeout(60_000);
  let dir: string;
  let good: string;
  let n = 0;
  /** A fresh copy of the good folder. */
  const copy = () => {
    const to = path.join(dir, `case-${n++}`);
    cpSync(good, to, { recursive: true });
    return to;
  };
  before(async () => {
    await fe.initBackend();
    dir = tempDir('bad-folder');
    good = path.join(dir, 'good');
    const model = tinyModel();
    await fe.saveModelFolder(good, model, { tokenize: tinyTokenize(10) });
    model.dispose();
    writeFileSync(path.join(dir, 'in.txt'), 'tom hanks in paris\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** TokenTagger.load rejects with `type` and this message; `fets predict <folder>` prints it as one line and exits 1. */
  async function refused(folder: string, type: new (...a: never[]) => Error, message: string | RegExp): Promise<void> {
    const e = await errorOf(fe.TokenTagger.load(folder));
    expect(e, e.stack).to.be.instanceOf(type);
    if (typeof message === 'string') expect(e.message).to.equal(message);
    else expect(e.message).to.match(message);
    const err: string[] = [];
    const code = await fe.runCli(['predict', folder, '--input', path.join(dir, 'in.txt')], { out: () => {}, err: (t) => void err.push(t) });
    expect(code).to.equal(1);
    const lines = err.filter((l) => !l.startsWith('fets: model folder')).join('\n');
    expect(lines).to.equal(`${type.name}: ${e.message}`);
    expect(lines.includes('\n'), 'one line').to.equal(false);
  }

  it('random bytes in the middle of model.safetensors: ModelFolderChecksumError naming it; fets export refuses to copy it', async () => {
    const f = copy();
    const file = path.join(f, 'model.safetensors');
    const bytes = readFileSync(file);
    for (let i = 0; i < 64; i++) bytes[Math.floor(bytes.length / 2) + i] ^= 0x5a;
    writeFileSync(file, bytes);
    await refused(
      f,
      fe.ModelFolderChecksumError,
      new RegExp(`^${f}/model\\.safetensors: damaged or changed: its SHA-256 is [0-9a-f]{16}…, fets\\.json records [0-9a-f]{16}…$`),
    );
    const err: string[] = [];
    expect(await fe.runCli(['export', f, '--out', path.join(dir, 'never')], { out: () => {}, err: (t) => void err.push(t) })).to.equal(1);
    expect(err.join('\n')).to.match(/^ModelFolderChecksumError: .*model\.safetensors: damaged or changed/);
  });

  it('missing files: one ModelFolderMissingError listing each of them', async () => {
    const f = copy();
    rmSync(path.join(f, 'vocab.txt'));
    rmSync(path.join(f, 'tokenizer.json'));
    await refused(f, fe.ModelFolderMissingError, new RegExp(`^${f}: missing vocab\\.txt, tokenizer\\.json \\(a model folder holds .*\\)$`));
    const g = copy();
    rmSync(path.join(g, 'fets.json'));
    await refused(g, fe.ModelFolderMissingError, new RegExp(`^${g}: missing fets\\.json \\(`));
  });

  it('a folder of another model type: a masked-LM folder (npm run pretrain), another model_type, an unknown head', async () => {
    const mlmDir = path.join(dir, 'mlm');
    const mlm = fe.architecture.bertForMaskedLM({
      vocabSize: VOCAB.length,
      hiddenSize: 16,
      numHiddenLayers: 1,
      numAttentionHeads: 2,
      intermediateSize: 32,
    });
    await fe.architecture.savePretrained(mlm, mlmDir);
    mlm.dispose();
    await refused(
      mlmDir,
      fe.ModelFolderTypeError,
      `${mlmDir}/config.json: architectures: expected ["BertForTokenClassification"], received ["BertForMaskedLM"] (a model of another type)`,
    );
    const roberta = copy();
    editJson(path.join(roberta, 'config.json'), (j) => {
      j.model_type = 'roberta';
    });
    await reseal(roberta);
    await refused(
      roberta,
      fe.ModelFolderTypeError,
      `${roberta}/config.json: model_type: expected "bert", received "roberta" (a model of another type)`,
    );
    const hmm = copy();
    editJson(path.join(hmm, 'fets.json'), (j) => {
      j.head = { type: 'hmm' };
    });
    await refused(
      hmm,
      fe.ModelFolderTypeError,
      `${hmm}/fets.json: head.type: expected one of "softmax", "crf" (the heads this version of fets reads), received "hmm" (a model of another type)`,
    );
    const nope = path.join(dir, 'nope');
    const e = await errorOf(fe.TokenTagger.load(nope));
    expect(e).to.be.instanceOf(fe.ModelFolderMissingError);
    expect(e.message).to.equal(`${nope}: no such folder (looked for ${nope})`);
  });

  it('a vocabulary that does not match the embedding size (consistent tokenizer files, checksums resealed)', async () => {
    const f = copy();
    const other = new fe.text.BertWordPieceTokenizer(VOCAB.slice(0, -2), { lowercase: true });
    for (const [name, text] of Object.entries(fe.io.tokenizerFiles(other, 64))) writeFileSync(path.join(f, name), text);
    await reseal(f);
    await refused(
      f,
      fe.ModelFolderMismatchError,
      `${f}/vocab.txt: tokens: expected ${VOCAB.length} (the rows of bert.embeddings.word_embeddings.weight in model.safetensors), received ${VOCAB.length - 2}`,
    );
    // And config.json's vocab_size against the embedding.
    const g = copy();
    editJson(path.join(g, 'config.json'), (j) => {
      j.vocab_size = 30522;
    });
    await reseal(g);
    await refused(
      g,
      fe.ModelFolderMismatchError,
      `${g}/config.json: vocab_size: expected ${VOCAB.length} (the rows of bert.embeddings.word_embeddings.weight in model.safetensors), received 30522`,
    );
    // tokenizer.json against vocab.txt.
    const h = copy();
    editJson(path.join(h, 'tokenizer.json'), (j) => {
      const m = j.model as { vocab: Record<string, number> };
      m.vocab = { ...m.vocab, tom: 6, hanks: 5 };
    });
    await reseal(h);
    await refused(h, fe.ModelFolderMismatchError, `${h}/tokenizer.json: model.vocab["tom"]: expected id 5 (as vocab.txt), received 6`);
  });

  it('labels that do not match the head: id2label of 4 for a classifier of 5 rows', async () => {
    const f = copy();
    editJson(path.join(f, 'config.json'), (j) => {
      j.id2label = Object.fromEntries(LABELS.slice(0, 4).map((l, i) => [String(i), l]));
      j.label2id = Object.fromEntries(LABELS.slice(0, 4).map((l, i) => [l, i]));
    });
    await reseal(f);
    await refused(
      f,
      fe.ModelFolderMismatchError,
      `${f}/config.json: id2label: expected 5 labels (the rows of classifier.weight in model.safetensors), received 4 (O, B-PER, I-PER, B-LOC)`,
    );
  });

  it("a saver refuses, at construction, a BertTokenize whose labels or vocabulary are not the model's", () => {
    const model = tinyModel();
    const tokenize = new fe.op.BertTokenize({
      inputs: ['words', 'tags'],
      outputs: ['x', 'y'],
      tokenizer: new fe.text.BertWordPieceTokenizer(VOCAB, { lowercase: true }),
      labels: ['O', 'B-X', 'I-X'],
      maxLen: 10,
    });
    const built = fe.build(model, 'adam', { modelName: 'bert' });
    expect(() => new fe.trace.BestModelSaver({ model: built, saveDir: dir, modelFolder: { tokenize } })).to.throw(
      /^BestModelSaver: modelFolder\.tokenize: labels: expected the model's 5 labels \(O, B-PER, I-PER, B-LOC, I-LOC\), received 3 \(O, B-X, I-X\)$/,
    );
    model.dispose();
  });
});
