/**
 * What int8 inference costs in entity F1: a model folder's test split tagged in float32 and in int8 (the folder's
 * `model.int8.safetensors`, or quantized at load when it has none) by TokenTagger (the windows and decoding of
 * `fets predict`), both scored with seqeval strict IOB2 as the recipe's SeqEval trace scores its test split; each int8
 * kernel this CPU runs (`avx2`: 8-bit activations; `avx2-u8s8`: 7-bit). Writes bench/results/int8-f1-<time>.json.
 *
 *   node --conditions=fets-source --import tsx bench/int8-f1.ts --folder runs/ner-bert/model --dataset mit-movie
 *   node --conditions=fets-source --import tsx bench/int8-f1.ts --folder <bc5cdr model> --dataset bc5cdr-chem   # devel.tsv
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as fe from '@fets/estimator';
import { seqevalReport } from '@fets/estimator/seqeval';
import { nativeAddon } from '@fets/network/kernels';
import { DATA, ROOT, note, writeResult } from './common.js';

const { values } = parseArgs({
  options: {
    folder: { type: 'string' },
    dataset: { type: 'string', default: 'mit-movie' },
    'batch-size': { type: 'string', default: '64' },
  },
});
if (!values.folder) throw new Error('bench int8-f1: --folder <model folder>: required');
const folder = values.folder;
await fe.initBackend({ quiet: true });
const addon = nativeAddon();
if (!addon) throw new Error('bench int8-f1: needs fets native kernels');

const split =
  values.dataset === 'bc5cdr-chem'
    ? (await fe.dataset.bc5cdrChem.loadData({ rootDir: path.join(DATA, 'bc5cdr-chem') })).evalData
    : (await fe.dataset.mitMovie.loadData({ rootDir: path.join(DATA, 'mit-movie'), offline: true })).test;
const words = split.sentences.map((s) => [...s]);
const gold = split.tagSequences().map((s) => [...s]);
const batch = Number(values['batch-size']);

async function tagAll(tagger: fe.TokenTagger): Promise<{ tags: string[][]; seconds: number }> {
  const t0 = performance.now();
  const tags: string[][] = [];
  for (let i = 0; i < words.length; i += batch) for (const s of await tagger.tag(words.slice(i, i + batch))) tags.push(s.tags);
  return { tags, seconds: (performance.now() - t0) / 1000 };
}

function score(pred: string[][]) {
  const r = seqevalReport(gold, pred, { mode: 'strict', scheme: 'IOB2' })['micro avg']!;
  return { precision: r.precision, recall: r.recall, f1: r['f1-score'] };
}

const results: Record<string, unknown> = {};
const float = await fe.TokenTagger.load(folder);
const f = await tagAll(float);
float.dispose();
results.float32 = { ...score(f.tags), seconds: f.seconds };
note(`int8-f1: float32 F1 ${(results.float32 as { f1: number }).f1.toFixed(4)} (${f.seconds.toFixed(1)} s)`);
const hasInt8 = (await fe.loadModelFolder(folder).then((l) => (l.model.dispose(), l.manifest.int8 !== undefined))) as boolean;
for (const kernel of addon.int8Info().kernels.filter((k) => k !== 'generic')) {
  addon.int8SetKernel({ name: kernel });
  const tagger = await fe.TokenTagger.load(folder, { int8: hasInt8 ? true : 'quantize' });
  const q = await tagAll(tagger);
  tagger.dispose();
  const total = q.tags.flat().length;
  const same = q.tags.reduce((n, s, i) => n + s.filter((t, j) => t === f.tags[i]![j]).length, 0);
  const s = score(q.tags);
  results[`int8 ${kernel}`] = {
    ...s,
    seconds: q.seconds,
    f1MinusFloat: s.f1 - (results.float32 as { f1: number }).f1,
    sameTags: same / total,
  };
  note(
    `int8-f1: int8 ${kernel} F1 ${s.f1.toFixed(4)} (${q.seconds.toFixed(1)} s), ${((100 * same) / total).toFixed(2)}% of words tagged as float32`,
  );
}
addon.int8SetKernel({ name: '' });
const file = writeResult('int8-f1', {
  folder: path.relative(ROOT, path.resolve(folder)),
  dataset: values.dataset,
  split: values.dataset === 'bc5cdr-chem' ? 'devel.tsv' : 'engtest.bio',
  sentences: words.length,
  int8Source: hasInt8 ? 'model.int8.safetensors' : 'quantized at load',
  results,
});
note(`int8-f1: wrote ${file}`);
