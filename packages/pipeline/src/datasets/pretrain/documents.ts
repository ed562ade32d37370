import fs from 'node:fs';
import { z } from 'zod';
import { FetsError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { decodeUtf8, splitLines } from '../../io/lines.js';
import { BrownDataset, type BrownTextOptions } from '../brown.js';
import { ConllDataset, type ConllDatasetOptions } from '../conllDataset.js';
import { splitIndices } from '../split.js';

/** A document of pretraining text: its sentences in order, each a list of words. */
export type TextDocument = string[][];

/** A pretraining text source is missing or holds no words. */
export class PretrainTextError extends FetsError {}

/**
 * Parses plain pretraining text: one sentence a line (words split at whitespace), a blank line between documents
 * (several blank lines count as one). The format of Google BERT's `create_pretraining_data.py` input.
 *
 * @example
 * parseTextDocuments('The cat sat.\nIt purred.\n\nA new story.\n');
 * // [[['The', 'cat', 'sat.'], ['It', 'purred.']], [['A', 'new', 'story.']]]
 */
export function parseTextDocuments(text: string): TextDocument[] {
  const docs: TextDocument[] = [];
  let current: TextDocument = [];
  for (const line of splitLines(text.startsWith('\uFEFF') ? text.slice(1) : text)) {
    const words = line.split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0) {
      if (current.length > 0) docs.push(current);
      current = [];
    } else current.push(words);
  }
  if (current.length > 0) docs.push(current);
  return docs;
}

/**
 * Reads a plain-text pretraining file (see {@link parseTextDocuments}; UTF-8, CRLF and a BOM are handled).
 *
 * @throws PretrainTextError when the file is missing or holds no words
 * @example
 * const docs = readTextDocuments('corpus.txt'); // one entry per blank-line-separated document
 */
export function readTextDocuments(file: string): TextDocument[] {
  if (!fs.existsSync(file)) throw new PretrainTextError(`readTextDocuments: file not found: ${file}`);
  const docs = parseTextDocuments(decodeUtf8(fs.readFileSync(file), file));
  if (docs.length === 0) throw new PretrainTextError(`readTextDocuments: ${file}: no words (expected one sentence a line)`);
  return docs;
}

const DOCSTART = '-DOCSTART-';

const conllDocsSchema = z.strictObject({
  /** `'docstart'`: documents end at `-DOCSTART-` lines (a file without any is one document); `'sentence'`: each sentence alone. */
  documentBreak: z.enum(['docstart', 'sentence']).default('docstart'),
});

/** Options of {@link conllDocuments}. */
export type ConllDocumentsOptions = z.input<typeof conllDocsSchema> & { conll?: ConllDatasetOptions };

/**
 * The word column of a CoNLL-style file (tags are ignored) as pretraining documents. From a path, the file is read with
 * `options.conll` (layout auto-detected by default) keeping `-DOCSTART-` lines as document breaks. From a
 * `ConllDataset` (or a split of one), its current view is used in order: breaks are its `-DOCSTART-` sentences if it
 * was read with `docStart: 'keep'`, so a data set read the default way is one document (or one per sentence).
 *
 * @example
 * const train = new ConllDataset('engtrain.bio', { format: 'mit-movie' });
 * train.split(0.1, { seed: 0 });               // what ner-bert holds out for evaluation
 * const docs = conllDocuments(train);           // the words ner-bert trains on, one document
 */
export function conllDocuments(source: string | ConllDataset, options: ConllDocumentsOptions = {}): TextDocument[] {
  const { conll, ...rest } = options;
  const o = parseOptions('conllDocuments', conllDocsSchema, rest);
  const ds = typeof source === 'string' ? new ConllDataset(source, { ...conll, docStart: 'keep' }) : source;
  const docs: TextDocument[] = [];
  let current: TextDocument = [];
  for (let i = 0; i < ds.length; i++) {
    const words = ds.sentences[ds.storedIndex(i)]!;
    if (words.length === 1 && words[0] === DOCSTART) {
      if (current.length > 0) docs.push(current);
      current = [];
      continue;
    }
    current.push([...words]);
    if (o.documentBreak === 'sentence') {
      docs.push(current);
      current = [];
    }
  }
  if (current.length > 0) docs.push(current);
  if (docs.length === 0) throw new PretrainTextError(`conllDocuments: ${ds.file}: no sentences in the data set`);
  return docs;
}

/**
 * The Brown corpus as pretraining documents: one document per corpus file (`ca01` … `cr09`: 500 texts of about
 * 2,000 words), sentences in file order. Options select files, genres or lower-casing as in `brownText`.
 *
 * @example
 * const docs = brownDocuments(); // 500 documents, 57,340 sentences
 */
export function brownDocuments(options: BrownTextOptions = {}): TextDocument[] {
  const ds = new BrownDataset(options);
  const docs: TextDocument[] = [];
  let file: string | undefined;
  for (let i = 0; i < ds.sentences.length; i++) {
    const f = ds.sources[i]!.file;
    if (f !== file) {
      docs.push([]);
      file = f;
    }
    docs[docs.length - 1]!.push([...ds.sentences[i]!]);
  }
  return docs;
}

/**
 * Holds out a seeded part of the documents (a fraction in (0, 1) or a count), keeping the order of both parts.
 * Splitting by document keeps held-out text unseen in training (sentences of one text never straddle the parts).
 *
 * @example
 * const { train, heldOut } = splitDocuments(brownDocuments(), 0.02, { seed: 0 }); // 490 / 10 documents
 */
export function splitDocuments(
  docs: readonly TextDocument[],
  heldOut: number,
  options: { seed?: number } = {},
): { train: TextDocument[]; heldOut: TextDocument[] } {
  const { parts, rest } = splitIndices(docs.length, [heldOut], { seed: options.seed ?? 0 });
  return { train: rest.map((i) => docs[i]!), heldOut: parts[0]!.map((i) => docs[i]!) };
}

/** Number of sentences and words in documents. */
export function countDocuments(docs: readonly TextDocument[]): { documents: number; sentences: number; words: number } {
  let sentences = 0;
  let words = 0;
  for (const d of docs) {
    sentences += d.length;
    for (const s of d) words += s.length;
  }
  return { documents: docs.length, sentences, words };
}
