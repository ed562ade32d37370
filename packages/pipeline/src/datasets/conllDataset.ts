import fs from 'node:fs';
import { z } from 'zod';
import { ConfigError, DataFileError, DataFormatError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { decodeUtf8, splitLines } from '../io/lines.js';
import { ViewDataset } from './view.js';

/** The column layouts ConllDataset knows by name. */
export const CONLL_FORMATS = {
  /** MIT Movie (engtrain.bio): `TAG<TAB>word`, tag first. */
  'mit-movie': { separator: '\t', columns: 2, wordColumn: 1, tagColumn: 0 },
  /** CoNLL-2003: `word POS chunk NER`, space-separated, `-DOCSTART-` lines between documents. */
  conll2003: { separator: ' ', columns: 4, wordColumn: 0, tagColumn: 3 },
  /** BC5CDR / BLURB NER (train.tsv): `token<TAB>tag`. */
  bc5cdr: { separator: '\t', columns: 2, wordColumn: 0, tagColumn: 1 },
} as const;

/** A named layout, or `'auto'` (detected from the first lines). */
export type ConllFormat = keyof typeof CONLL_FORMATS | 'auto';

const conllOptionsSchema = z.strictObject({
  format: z.enum(['mit-movie', 'conll2003', 'bc5cdr', 'auto']).default('auto'),
  separator: z.string().min(1).optional(),
  columns: z.number().int().min(1).optional(),
  wordColumn: z.number().int().min(0).optional(),
  tagColumn: z.number().int().min(0).optional(),
  wordsKey: z.string().min(1).default('words'),
  tagsKey: z.string().min(1).default('tags'),
  docStart: z.enum(['skip', 'keep']).default('skip'),
});

/** Options of {@link ConllDataset}. */
export type ConllDatasetOptions = z.input<typeof conllOptionsSchema>;

/** A sample of a {@link ConllDataset}: the words and the tags of one sentence, under the keys its options name. */
export type ConllSample<W extends string = 'words', T extends string = 'tags'> = { [K in W | T]: string[] };

/** An in-memory source for ConllDataset: the text and the name used in error messages. */
export interface ConllText {
  name: string;
  text: string;
}

/**
 * A CoNLL-style column file is malformed. The message starts with `file:line:` (1-based) and quotes the line.
 *
 * @example
 * // ConllFormatError: engtrain.bio:1042: expected 2 tab-separated columns, got 3: "B-ACTOR\tbruce\twillis"
 */
export class ConllFormatError extends DataFormatError {}

/** The resolved layout of a file. */
export interface ConllLayout {
  separator: string;
  columns: number;
  wordColumn: number;
  tagColumn: number;
}

const TAG_LIKE = /^(?:O|[BIESLU]-\S+)$/;
const DOCSTART = '-DOCSTART-';

function separatorName(sep: string): string {
  if (sep === '\t') return 'tab-separated';
  if (sep === ' ') return 'space-separated';
  return `${JSON.stringify(sep)}-separated`;
}

const isBlank = (line: string) => line.trim() === '';

/**
 * Detects the layout from up to 200 data lines: tab if the first data line has a tab, else space; the column count of
 * that line; for 2 columns, the tag column is the one whose values look like IOB tags (`O`, `B-X`, …) more often;
 * otherwise word first and tag last.
 */
function detectLayout(lines: readonly string[], separator: string | undefined): Partial<ConllLayout> {
  const data = lines.filter((l) => !isBlank(l) && !l.startsWith(DOCSTART)).slice(0, 200);
  if (data.length === 0) return {};
  const sep = separator ?? (data[0]!.includes('\t') ? '\t' : ' ');
  const columns = data[0]!.split(sep).length;
  if (columns !== 2) return { separator: sep, columns, wordColumn: 0, tagColumn: columns - 1 };
  let tagFirst = 0;
  let tagSecond = 0;
  for (const l of data) {
    const [a = '', b = ''] = l.split(sep);
    if (TAG_LIKE.test(a) && !TAG_LIKE.test(b)) tagFirst++;
    if (TAG_LIKE.test(b) && !TAG_LIKE.test(a)) tagSecond++;
  }
  return tagFirst > tagSecond
    ? { separator: sep, columns, wordColumn: 1, tagColumn: 0 }
    : { separator: sep, columns, wordColumn: 0, tagColumn: 1 };
}

/**
 * A map-style data set of sentences from a CoNLL-style column file (one token a line, a blank line between
 * sentences): each sample is `{ words: string[], tags: string[] }` (keys renamable). Reads MIT Movie (`TAG<TAB>word`),
 * CoNLL-2003 (`word POS chunk NER`, `-DOCSTART-` lines skipped as document breaks) and BC5CDR (`token<TAB>tag`), or
 * any layout through `separator`, `columns`, `wordColumn`, `tagColumn` (overriding the format's). Several blank lines
 * count as one break; a last sentence without a final blank line is kept. CRLF line ends and a UTF-8 BOM are
 * handled; invalid UTF-8, a wrong column count or an empty field is a {@link ConllFormatError} at `file:line`; a file
 * with no sentence is an error too. Sentences are held in memory; `split` is supported.
 *
 * @example
 * const train = new ConllDataset('engtrain.bio', { format: 'mit-movie' });
 * train.get(0); // { words: ['what', 'movies', 'star', 'bruce', 'willis'], tags: ['O', 'O', 'O', 'B-ACTOR', 'I-ACTOR'] }
 * train.lineOf(0); // 1: the line where sentence 0 starts
 */
export class ConllDataset<W extends string = 'words', T extends string = 'tags'> extends ViewDataset<ConllSample<W, T>> {
  /** File path (or the name given to fromString), as used in error messages. */
  readonly file: string;
  /** The column layout used (after auto-detection and overrides). */
  readonly layout: Readonly<ConllLayout>;
  /** Words of every stored sentence (before any split). */
  readonly sentences: readonly (readonly string[])[];
  /** Tags of every stored sentence, parallel to `sentences`. */
  readonly sentenceTags: readonly (readonly string[])[];
  /** 1-based line number where each stored sentence starts (parallel to `sentences`). */
  readonly sentenceLines: Int32Array;
  readonly #wordsKey: string;
  readonly #tagsKey: string;

  /**
   * @param source a file path, or `{ name, text }` for text already in memory.
   */
  constructor(source: string | ConllText, options: ConllDatasetOptions & { wordsKey?: W; tagsKey?: T } = {}) {
    super();
    const o = parseOptions(new.target.name, conllOptionsSchema, options);
    let name: string;
    let text: string;
    if (typeof source === 'string') {
      if (!fs.existsSync(source)) throw new DataFileError('ConllDataset', source, 'file not found');
      name = source;
      text = decodeUtf8(fs.readFileSync(source), source);
    } else {
      name = source.name;
      text = source.text.startsWith('\uFEFF') ? source.text.slice(1) : source.text;
    }
    this.file = name;
    this.#wordsKey = o.wordsKey;
    this.#tagsKey = o.tagsKey;
    if (o.wordsKey === o.tagsKey) {
      throw new ConfigError('ConllDataset', [], `ConllDataset: wordsKey and tagsKey must differ, both are "${o.wordsKey}"`);
    }
    const lines = splitLines(text);
    const base = o.format === 'auto' ? detectLayout(lines, o.separator) : CONLL_FORMATS[o.format];
    const layout: ConllLayout = {
      separator: o.separator ?? base.separator ?? '\t',
      columns: o.columns ?? base.columns ?? 2,
      wordColumn: o.wordColumn ?? base.wordColumn ?? 0,
      tagColumn: o.tagColumn ?? base.tagColumn ?? 1,
    };
    for (const key of ['wordColumn', 'tagColumn'] as const) {
      if (layout[key] >= layout.columns) {
        throw new ConfigError(
          'ConllDataset',
          [],
          `ConllDataset: ${key}: expected < ${layout.columns} (the number of columns), received ${layout[key]}`,
        );
      }
    }
    this.layout = layout;
    const parsed = parseConll(lines, name, layout, o.docStart === 'skip');
    if (parsed.words.length === 0) {
      throw new ConllFormatError(
        `no sentences: the file ${lines.length === 0 ? 'is empty' : 'holds only blank or -DOCSTART- lines'}`,
        name,
        Math.max(1, lines.length),
      );
    }
    this.sentences = parsed.words;
    this.sentenceTags = parsed.tags;
    this.sentenceLines = Int32Array.from(parsed.starts);
  }

  /**
   * A data set from text in memory; `name` stands for the file in error messages.
   *
   * @example
   * ConllDataset.fromString('O\tshow\nB-ACTOR\ttom\n', 'mini.bio', { format: 'mit-movie' }).length; // 1
   */
  static fromString<W extends string = 'words', T extends string = 'tags'>(
    text: string,
    name = '<string>',
    options: ConllDatasetOptions & { wordsKey?: W; tagsKey?: T } = {},
  ): ConllDataset<W, T> {
    return new ConllDataset({ name, text }, options);
  }

  protected get storedLength(): number {
    return this.sentences.length;
  }

  protected storedSample(index: number): ConllSample<W, T> {
    return { [this.#wordsKey]: [...this.sentences[index]!], [this.#tagsKey]: [...this.sentenceTags[index]!] } as ConllSample<W, T>;
  }

  override keys(): string[] {
    return [this.#wordsKey, this.#tagsKey];
  }

  /** `file:line` where sample `index` (of the current view) starts, for error messages downstream. */
  lineOf(index: number): string {
    return `${this.file}:${this.sentenceLines[this.storedIndex(index)]}`;
  }

  /** `file:line` of stored sentence `index`, or of its word `position` (one token a line). */
  protected override describeStored(index: number, position?: number): string {
    return `${this.file}:${this.sentenceLines[index]! + (position ?? 0)}`;
  }

  /** Number of tokens in the current view. */
  get tokenCount(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) n += this.sentences[this.storedIndex(i)]!.length;
    return n;
  }

  /** Tag sequences of the current view, in order (shared arrays: do not modify). For building a LabelVocab. */
  tagSequences(): (readonly string[])[] {
    return Array.from({ length: this.length }, (_, i) => this.sentenceTags[this.storedIndex(i)]!);
  }
}

function parseConll(lines: readonly string[], file: string, layout: ConllLayout, skipDocStart: boolean) {
  const words: string[][] = [];
  const tags: string[][] = [];
  const starts: number[] = [];
  let curWords: string[] = [];
  let curTags: string[] = [];
  const flush = () => {
    if (curWords.length > 0) {
      words.push(curWords);
      tags.push(curTags);
      curWords = [];
      curTags = [];
    }
  };
  const { separator, columns, wordColumn, tagColumn } = layout;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isBlank(line)) {
      flush();
      continue;
    }
    if (skipDocStart && line.startsWith(DOCSTART)) {
      flush();
      continue;
    }
    const fields = line.split(separator);
    if (fields.length !== columns) {
      throw new ConllFormatError(
        `expected ${columns} ${separatorName(separator)} columns, got ${fields.length}: ${JSON.stringify(line)}`,
        file,
        i + 1,
      );
    }
    const word = fields[wordColumn]!;
    const tag = fields[tagColumn]!;
    if (word === '' || tag === '') {
      throw new ConllFormatError(`empty ${word === '' ? 'word' : 'tag'} field: ${JSON.stringify(line)}`, file, i + 1);
    }
    if (curWords.length === 0) starts.push(i + 1);
    curWords.push(word);
    curTags.push(tag);
  }
  flush();
  return { words, tags, starts };
}
