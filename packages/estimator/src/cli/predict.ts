import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Network } from '@fets/network';
import { FetsError } from '@fets/pipeline';
import type { Estimator } from '../estimator/estimator.js';
import { TokenTagger, type TaggedSentence } from '../predict/tokenTagger.js';

/** `fets predict` was given an input it cannot read, or a bad option. */
export class PredictInputError extends FetsError {}

/** Options of {@link predictStream}. */
export interface PredictStreamOptions {
  /** `jsonl`: one `{"words": […], "entities": […]}` line per sentence; `conll`: `word tag` lines, a blank line after each. */
  format: 'jsonl' | 'conll';
  /** Sentences per Network call. */
  batchSize: number;
}

/** What a prediction run did. */
export interface PredictStats {
  sentences: number;
  words: number;
  seconds: number;
}

/** One result in the chosen format. */
export function formatTagged(s: TaggedSentence, format: 'jsonl' | 'conll'): string {
  if (format === 'jsonl') return `${JSON.stringify({ words: s.words, entities: s.entities })}\n`;
  return `${s.words.map((w, i) => `${w} ${s.tags[i]}\n`).join('')}\n`;
}

/**
 * Tags a stream of text, one sentence a line (split on whitespace), and writes one result per line as it goes: at
 * most `batchSize` sentences are held at a time, so a file of any length runs in bounded memory. `source` is a
 * tagger (e.g. `await TokenTagger.load(folder)`) or an experiment's Estimator.
 *
 * @example
 * await predictStream(await TokenTagger.load('runs/ner-bert/model'), fs.createReadStream('in.txt'), process.stdout,
 *   { format: 'jsonl', batchSize: 32 });
 */
export async function predictStream(
  source: Estimator | TokenTagger,
  input: Readable,
  output: Writable,
  options: PredictStreamOptions,
): Promise<PredictStats> {
  const tagger = source instanceof TokenTagger ? source : new TokenTagger(source.pipeline, source.network as unknown as Network);
  const t0 = performance.now();
  let sentences = 0;
  let words = 0;
  let pending: string[][] = [];
  const write = async (text: string) => {
    if (!output.write(text)) await once(output, 'drain');
  };
  const flush = async () => {
    if (pending.length === 0) return;
    const tagged = await tagger.tag(pending);
    for (const s of tagged) await write(formatTagged(s, options.format));
    sentences += pending.length;
    for (const p of pending) words += p.length;
    pending = [];
  };
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    pending.push(
      line
        .trim()
        .split(/\s+/)
        .filter((w) => w.length > 0),
    );
    if (pending.length >= options.batchSize) await flush();
  }
  await flush();
  return { sentences, words, seconds: (performance.now() - t0) / 1000 };
}

/** The input of `fets predict --input`: a file, or standard input for `-`. */
export function openInput(file: string): Readable {
  if (file === '-') return process.stdin;
  if (!existsSync(file)) throw new PredictInputError(`fets predict: --input: no such file: ${file}`);
  return createReadStream(file, { encoding: 'utf8' });
}

/** The output of `fets predict --out`: a file, or standard output when none is given. */
export function openOutput(file: string | undefined): Writable {
  return file ? createWriteStream(file, { encoding: 'utf8' }) : process.stdout;
}
