import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import * as fe from '@fets/estimator';
import { parseSafetensors } from '@fets/network';
import { shared } from '../../helpers.js';
import { LABELS, VOCAB, sentences, tempDir, tinyModel, tinyTokenize } from './tinyFolder.js';

const HF_FIXTURE = shared('fixtures', 'bert-tiny-random');

function collect() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
}

describe('model folder: write, load, tag with nothing else', function () {
  this.timeout(60_000);
  let dir: string;
  let folder: string;
  let model: fe.architecture.BertForTokenClassification;
  let tokenize: fe.op.BertTokenize;
  before(async () => {
    await fe.initBackend();
    dir = tempDir('model-folder');
    folder = path.join(dir, 'model');
    model = tinyModel();
    tokenize = tinyTokenize(10);
    await fe.saveModelFolder(folder, model, { tokenize });
  });
  after(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("holds Hugging Face's files in Hugging Face's layout (names as a transformers-saved BertForTokenClassification), and fets.json", () => {
    expect(readdirSync(folder).sort()).to.deep.equal(
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
    // Tensor names: those of the HF-saved fixture (transformers 4.31), which also carries BertModel's pooler.
    const ours = [...parseSafetensors(readFileSync(path.join(folder, 'model.safetensors'))).tensors.keys()].sort();
    const theirs = [...parseSafetensors(readFileSync(path.join(HF_FIXTURE, 'model.safetensors'))).tensors.keys()].sort();
    expect(ours).to.deep.equal(theirs.filter((k) => !k.startsWith('bert.pooler.')));
    const config = JSON.parse(readFileSync(path.join(folder, 'config.json'), 'utf8'));
    const hf = JSON.parse(readFileSync(path.join(HF_FIXTURE, 'config.json'), 'utf8'));
    // Every key HF's own config has (but the version stamps and num_labels, implied by id2label) is there.
    const hfKeys = Object.keys(hf).filter((k) => !['torch_dtype', 'transformers_version', 'use_cache', 'num_labels'].includes(k));
    expect(hfKeys.filter((k) => !(k in config))).to.deep.equal([]);
    expect(config.architectures).to.deep.equal(['BertForTokenClassification']);
    expect(config.model_type).to.equal('bert');
    expect(config.id2label).to.deep.equal(Object.fromEntries(LABELS.map((l, i) => [String(i), l])));
    expect(config.label2id).to.deep.equal(Object.fromEntries(LABELS.map((l, i) => [l, i])));
    expect(readFileSync(path.join(folder, 'vocab.txt'), 'utf8')).to.equal(`${VOCAB.join('\n')}\n`);
    const tok = JSON.parse(readFileSync(path.join(folder, 'tokenizer.json'), 'utf8'));
    expect(tok.normalizer).to.deep.equal({
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: true,
      lowercase: true,
    });
    expect(tok.pre_tokenizer).to.deep.equal({ type: 'BertPreTokenizer' });
    expect(tok.model).to.deep.include({
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
    });
    expect(tok.model.vocab).to.deep.equal(Object.fromEntries(VOCAB.map((t, i) => [t, i])));
    expect(tok.post_processor.type).to.equal('TemplateProcessing');
    expect(tok.post_processor.single.map((p: Record<string, { id: string }>) => Object.values(p)[0]!.id)).to.deep.equal([
      '[CLS]',
      'A',
      '[SEP]',
    ]);
    expect(tok.decoder).to.deep.equal({ type: 'WordPiece', prefix: '##', cleanup: true });
    expect(tok.added_tokens.map((t: { content: string }) => t.content)).to.deep.equal(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    const tc = JSON.parse(readFileSync(path.join(folder, 'tokenizer_config.json'), 'utf8'));
    expect(tc).to.deep.include({
      tokenizer_class: 'BertTokenizer',
      do_lower_case: true,
      cls_token: '[CLS]',
      sep_token: '[SEP]',
      model_max_length: 64,
    });
    expect(JSON.parse(readFileSync(path.join(folder, 'special_tokens_map.json'), 'utf8'))).to.deep.equal({
      cls_token: '[CLS]',
      mask_token: '[MASK]',
      pad_token: '[PAD]',
      sep_token: '[SEP]',
      unk_token: '[UNK]',
    });
    const fets = JSON.parse(readFileSync(path.join(folder, 'fets.json'), 'utf8'));
    expect(fets.text).to.deep.equal({
      maxLen: 10,
      stride: 4,
      alignment: 'first',
      labelAllTokens: false,
      spans: 'strict',
      charwiseLowercase: false,
    });
    expect(fets.head).to.deep.equal({ type: 'softmax', constraints: 'none' });
    expect(Object.keys(fets.sha256).sort()).to.deep.equal(
      readdirSync(folder)
        .filter((f) => f !== 'fets.json')
        .sort(),
    );
  });

  it("fets' Hugging Face reader (fromPretrained) loads the same weights: logits equal bit for bit", async () => {
    const again = await fe.architecture.fromPretrained(folder, { log: () => {} });
    const ids = tf.tensor2d([[2, 5, 6, 20, 3]], [1, 5], 'int32');
    const mask = tf.onesLike(ids);
    const a = model.call([ids, mask], false);
    const b = again.call([ids, mask], false);
    expect(Array.from(await b.data())).to.deep.equal(Array.from(await a.data()));
    tf.dispose([ids, mask, a, b]);
    again.dispose();
  });

  it("TokenTagger.load(folder) tags as the training experiment's Pipeline and Network do, long sentences in the same windows", async () => {
    const pipeline = new fe.Pipeline({ ops: [tokenize, new fe.op.AttentionMask({ inputs: 'x', outputs: 'xMask' })] });
    const network = new fe.Network([new fe.op.ModelOp({ model, inputs: ['x', 'xMask'], outputs: 'yPred' })]);
    const inMemory = new fe.TokenTagger(pipeline, network);
    const loaded = await fe.TokenTagger.load(folder);
    const input = sentences(60, 30, 7);
    expect(input.filter((s) => s.length > 8).length, 'sentences longer than one window').to.be.greaterThan(20);
    const want = await inMemory.tag(input);
    expect(want.flatMap((s) => s.tags).filter((t) => t !== 'O').length, 'tags other than O').to.be.greaterThan(50);
    const before = tf.memory().numTensors;
    expect(await loaded.tag(input)).to.deep.equal(want);
    expect(tf.memory().numTensors).to.equal(before);
    loaded.dispose();
  });

  it('fets predict <folder> needs no experiment; fets export <folder> --out copies it, checked; experiment flags are refused', async () => {
    const input = path.join(dir, 'in.txt');
    const text = sentences(20, 25, 11);
    writeFileSync(input, `${text.map((s) => s.join(' ')).join('\n')}\n`);
    const tagger = await fe.TokenTagger.load(folder);
    const want = (await tagger.tag(text)).map((s) => ({ words: s.words, entities: s.entities }));
    tagger.dispose();
    const copy = path.join(dir, 'deploy', 'ner');
    const e = collect();
    expect(await fe.runCli(['export', folder, '--out', copy], e.io), e.err.join('\n')).to.equal(0);
    expect(readdirSync(copy).sort()).to.deep.equal(readdirSync(folder).sort());
    for (const target of [folder, copy]) {
      const out = path.join(dir, 'out.jsonl');
      const c = collect();
      expect(await fe.runCli(['predict', target, '--input', input, '--out', out], c.io), c.err.join('\n')).to.equal(0);
      const got = readFileSync(out, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(got).to.deep.equal(want);
    }
    const bad = collect();
    expect(await fe.runCli(['predict', folder, '--set', 'epochs=2', '--input', input], bad.io)).to.equal(1);
    expect(bad.err.join('\n')).to.match(/^ConfigError: fets predict: --set: not used with a model folder \(.*\)$/);
    expect(existsSync(path.join(dir, 'deploy', 'ner', 'fets.json'))).to.equal(true);
  });
});
