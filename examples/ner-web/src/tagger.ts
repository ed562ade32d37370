/**
 * The NER model in a web page: the model folder a run writes (`runs/ner-bert/model`: config.json, model.safetensors,
 * the tokenizer files and fets.json) fetched, checked (every file's SHA-256 as fets.json records it, the files
 * consistent) and loaded with @tensorflow/tfjs by the same code `fets predict` uses (`readModelFolder`), tokenized with
 * fets' own WordPiece and BertTokenize (no Node.js modules), each word tagged from its first sub-token and the spans
 * read as the folder says (strict IOB2). Text longer than the folder's maxLen is read in overlapping windows
 * (`wordWindows` with the folder's stride), each word from the window that gives it the most context, as `fets
 * predict` does too.
 */
import * as tf from '@tensorflow/tfjs';
import { BertTokenize, wordWindows } from '@fets/pipeline/text';
import { readModelFolder, type BertForTokenClassification, type LoadedModelFolder } from '@fets/network/browser';
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
    return new WebTagger(loaded.model, tokenize, labels, text);
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
    const classes = this.labels.length;
    for (const win of wordWindows(counts, room, this.text.stride)) {
      const part = words.slice(win.start, win.end);
      const ids = op.forward(part) as Int32Array;
      const positions = op.firstTokenPositions(part);
      const scores = tf.tidy(() => {
        const x = tf.tensor2d(ids, [1, ids.length], 'int32');
        const mask = tf.onesLike(x);
        return (this.model.call([x, mask], false) as tf.Tensor).dataSync() as Float32Array;
      });
      for (let w = win.ownStart; w < win.ownEnd; w++) {
        const pos = positions[w - win.start]!;
        if (pos < 0) continue;
        let best = 0;
        for (let c = 1; c < classes; c++) if (scores[pos * classes + c]! > scores[pos * classes + best]!) best = c;
        tags[w] = this.labels[best]!;
      }
    }
    return { words, tags, entities: entitySpans(words, tags, this.text.spans) };
  }
}
