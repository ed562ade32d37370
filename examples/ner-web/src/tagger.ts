/**
 * The NER model in a web page: the model folder a run writes (`runs/ner-bert/model`: config.json, model.safetensors,
 * the tokenizer files and fets.json) fetched, checked (every file's SHA-256 as fets.json records it, the files
 * consistent) and loaded with @tensorflow/tfjs by the same code `fets predict` uses (`readModelFolder`), tokenized with
 * fets' own WordPiece and BertTokenize (no Node.js modules), each word tagged from its first sub-token and the spans
 * read as the folder says (strict IOB2). The tags are decoded as the folder's head says, by the code `fets predict`
 * uses (`decodeSequence`): a CRF head's Viterbi with its transitions, a softmax head's argmax or IOB2-constrained
 * Viterbi. Text longer than the folder's maxLen is read in overlapping windows
 * (`wordWindows` with the folder's stride), each word from the window that gives it the most context, as `fets
 * predict` does too.
 */
import * as tf from '@tensorflow/tfjs';
import { BertTokenize, wordWindows } from '@fets/pipeline/text';
import {
  decodeSequence,
  readModelFolder,
  type BertForTokenClassification,
  type HeadDecoding,
  type LoadedModelFolder,
} from '@fets/network/browser';
import { entitySpans, type EntitySpan } from '@fets/estimator/seqeval';

/** An entity span (`last` inclusive), as in `fets predict`'s JSON lines. */
export type Span = EntitySpan;

/** A loaded model and its tokenizer. */
export class WebTagger {
  private constructor(
    readonly model: BertForTokenClassification,
    readonly tokenize: BertTokenize,
    readonly labels: readonly string[],
    readonly text: LoadedModelFolder['manifest']['text'],
    /** How the logits become tags (the folder's head). */
    readonly decoding: HeadDecoding,
  ) {}

  /** Fetches the model folder at `base` (a URL ending in `/`), checks it and builds the model. */
  static async load(base: string): Promise<WebTagger> {
    const read = async (name: string) => {
      const r = await fetch(new URL(name, base));
      if (r.status === 404) return undefined;
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    };
    const loaded = await readModelFolder(base, read);
    const { text } = loaded.manifest;
    const labels = [...loaded.labels];
    const tokenize = new BertTokenize({ inputs: 'words', outputs: 'x', tokenizer: loaded.tokenizer, maxLen: text.maxLen, labels });
    return new WebTagger(loaded.model, tokenize, labels, text, loaded.decoding);
  }

  /** Tags one sentence of whitespace-separated words. */
  tag(text: string): { words: string[]; tags: string[]; entities: Span[] } {
    const words = text
      .trim()
      .split(/\s+/)
      .filter((w) => w.length > 0);
    const tags = words.map(() => 'O');
    if (words.length === 0) return { words, tags, entities: [] };
    const op = this.tokenize;
    const room = op.maxLen - 2;
    const counts = words.map((w) => op.tokenizer.wordToIds(w).length);
    for (const win of wordWindows(counts, room, this.text.stride)) {
      const part = words.slice(win.start, win.end);
      const ids = op.forward(part) as Int32Array;
      const scores = tf.tidy(() => {
        const x = tf.tensor2d(ids, [1, ids.length], 'int32');
        const mask = tf.onesLike(x);
        return (this.model.call([x, mask], false) as tf.Tensor).dataSync() as Float32Array;
      });
      // Every word of the window with a position is one sequence to decode; the window's own words keep their tags.
      const seq: { word: number; pos: number }[] = [];
      op.firstTokenPositions(part).forEach((pos, k) => {
        if (pos >= 0) seq.push({ word: win.start + k, pos });
      });
      const path = decodeSequence(
        scores,
        seq.map((s) => s.pos),
        this.decoding.decode,
        this.decoding.scores,
      );
      seq.forEach((s, j) => {
        if (s.word >= win.ownStart && s.word < win.ownEnd) tags[s.word] = this.labels[path[j]!]!;
      });
    }
    return { words, tags, entities: entitySpans(words, tags, this.text.spans) };
  }
}
