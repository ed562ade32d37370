/**
 * The NER model in a web page: a folder written by `fets export` (config.json, model.safetensors, vocab.txt,
 * labels.json) loaded with @tensorflow/tfjs, tokenized with fets' own WordPiece and BertTokenize (no Node.js modules),
 * each word tagged from its first sub-token (by Viterbi when the folder holds a CRF head's `crf.*` tensors) and the
 * spans read as strict IOB2, as `fets predict` does. Text longer
 * than the model's maxLen is read in overlapping windows (`wordWindows`, half the room shared), each word from the
 * window that gives it the most context, as `fets predict` does too.
 */
import * as tf from '@tensorflow/tfjs';
import { BertTokenize, BertWordPieceTokenizer, wordWindows } from '@fets/pipeline/text';
import {
  bertCrfForTokenClassification,
  bertForTokenClassification,
  fromHfConfig,
  viterbiPath,
  loadWeights,
  parseSafetensors,
  type BertCrfForTokenClassification,
  type BertForTokenClassification,
} from '@fets/network/browser';
import { entitySpans, type EntitySpan } from '@fets/estimator/seqeval';

/** What decoding reads of a CRF head. */
type CrfParams = Pick<BertCrfForTokenClassification['crf'], 'transitions' | 'startTransitions' | 'endTransitions' | 'constraints'>;

/** An entity span (`last` inclusive), as in `fets predict`'s JSON lines. */
export type Span = EntitySpan;

/** A loaded model and its tokenizer. */
export class WebTagger {
  private constructor(
    readonly model: BertForTokenClassification,
    readonly tokenize: BertTokenize,
    readonly labels: readonly string[],
  ) {}

  /** Fetches the exported folder at `base` (a URL ending in `/`) and builds the model. */
  static async load(base: string): Promise<WebTagger> {
    const get = async (name: string) => {
      const r = await fetch(new URL(name, base));
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      return r;
    };
    const meta = (await (await get('labels.json')).json()) as {
      labels: string[];
      lowercase: boolean;
      stripAccents: boolean;
      maxLen: number;
    };
    const config = fromHfConfig(await (await get('config.json')).json(), 'config.json');
    const vocab = (await (await get('vocab.txt')).text()).split('\n');
    if (vocab.at(-1) === '') vocab.pop();
    const tokenizer = new BertWordPieceTokenizer(new Map(vocab.map((t, i) => [t, i])), {
      lowercase: meta.lowercase,
      stripAccents: meta.stripAccents,
    });
    const weights = parseSafetensors(new Uint8Array(await (await get('model.safetensors')).arrayBuffer()), 'model.safetensors');
    // A CRF head's transitions are saved beside the Hugging Face tensors: decode with Viterbi, as `fets predict` does.
    const build = weights.tensors.has('crf.transitions') ? bertCrfForTokenClassification : bertForTokenClassification;
    const model = build({
      ...config,
      id2label: meta.labels,
      hiddenDropoutProb: 0,
      attentionProbsDropoutProb: 0,
    });
    loadWeights(model, weights.tensors, { source: 'model.safetensors', log: () => {} });
    const tokenize = new BertTokenize({ inputs: 'words', outputs: 'x', tokenizer, maxLen: meta.maxLen, labels: meta.labels });
    return new WebTagger(model, tokenize, meta.labels);
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
    for (const win of wordWindows(counts, room, Math.floor(room / 2))) {
      const part = words.slice(win.start, win.end);
      const ids = op.forward(part) as Int32Array;
      const positions = op.firstTokenPositions(part);
      const scores = tf.tidy(() => {
        const x = tf.tensor2d(ids, [1, ids.length], 'int32');
        const mask = tf.onesLike(x);
        return (this.model.call([x, mask], false) as tf.Tensor).dataSync() as Float32Array;
      });
      const crf = 'crf' in this.model ? (this.model.crf as CrfParams) : undefined;
      // The CRF's best path over the window's words (IOB2-constrained), else each word's argmax.
      const scored = [...positions].filter((p) => p >= 0);
      const path = crf
        ? viterbiPath(scored.length, (t, c) => scores[scored[t]! * classes + c]!, {
            numTags: classes,
            transitions: crf.transitions.dataSync(),
            start: crf.startTransitions.dataSync(),
            end: crf.endTransitions.dataSync(),
            ...(crf.constraints ? { constraints: crf.constraints } : {}),
          }).path
        : undefined;
      let t = 0;
      for (let w = 0; w < positions.length; w++) {
        const pos = positions[w]!;
        if (pos < 0) continue;
        const k = t++;
        if (w + win.start < win.ownStart || w + win.start >= win.ownEnd) continue;
        let best = path ? path[k]! : 0;
        if (!path) for (let c = 1; c < classes; c++) if (scores[pos * classes + c]! > scores[pos * classes + best]!) best = c;
        tags[w + win.start] = this.labels[best]!;
      }
    }
    return { words, tags, entities: entitySpans(words, tags) };
  }
}
