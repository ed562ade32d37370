import { z } from 'zod';
import { parseOptions, type TaggedSentence } from '@fets/estimator';
import { entitySpans } from '@fets/estimator/seqeval';

const optionsSchema = z.strictObject({
  /** Threads of onnxruntime's intra-op pool (transformers.js runs onnxruntime-node in Node.js). */
  threads: z.number().int().min(1).default(1),
  /** Sentences per pipeline call (padded to the longest). */
  batchSize: z.number().int().min(1).default(32),
});

/** Options of {@link TransformersJsTagger.load}. */
export type TransformersJsTaggerOptions = z.input<typeof optionsSchema>;

/** What transformers.js' token-classification pipeline returns per token it keeps (aggregation "none"). */
interface TokenResult {
  entity: string;
  index: number;
}

type TokenPipeline = ((texts: string[]) => Promise<TokenResult[][]>) & {
  tokenizer: { encode(text: string, options: { add_special_tokens: boolean }): number[] };
  dispose(): Promise<void>;
};

/**
 * A model folder with `model.onnx` run by transformers.js (`@huggingface/transformers`): its own tokenizer
 * (`tokenizer.json`), its own onnxruntime session and its `token-classification` pipeline. transformers.js looks for
 * `onnx/model.onnx` by default; `subfolder: ''` points it at the `model.onnx` beside `config.json`. Words are tagged
 * as fets predict tags them (Hugging Face's `aggregation_strategy="first"`): each word by the label of its first
 * sub-token, the pipeline's `index` of that token found from transformers.js' own token counts per word; entity
 * spans by seqeval's strict IOB2 reading.
 *
 * @example
 * const tjs = await TransformersJsTagger.load('runs/ner-bert/model');
 * const [s] = await tjs.tag([['have', 'you', 'seen', 'the', 'dark', 'knight']]);
 */
export class TransformersJsTagger {
  private readonly counts = new Map<string, number>();

  private constructor(
    readonly pipe: TokenPipeline,
    readonly options: z.output<typeof optionsSchema>,
  ) {}

  /** Loads the folder with `local_files_only` (no network) and remote models off. */
  static async load(folder: string, options: TransformersJsTaggerOptions = {}): Promise<TransformersJsTagger> {
    const o = parseOptions('TransformersJsTagger', optionsSchema, options);
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    const pipe = await pipeline('token-classification', folder, {
      local_files_only: true,
      subfolder: '',
      dtype: 'fp32',
      session_options: { intraOpNumThreads: o.threads, interOpNumThreads: 1 },
    });
    return new TransformersJsTagger(pipe as unknown as TokenPipeline, o);
  }

  private tokensOf(word: string): number {
    let n = this.counts.get(word);
    if (n === undefined) {
      n = this.pipe.tokenizer.encode(word, { add_special_tokens: false }).length;
      this.counts.set(word, n);
    }
    return n;
  }

  /** Tags sentences (each a list of words); empty sentences give empty results. */
  async tag(sentences: readonly (readonly string[])[]): Promise<TaggedSentence[]> {
    const results: TaggedSentence[] = sentences.map((w) => ({ words: [...w], tags: w.map(() => 'O'), entities: [] }));
    const nonEmpty = results.filter((r) => r.words.length > 0);
    for (let i = 0; i < nonEmpty.length; i += this.options.batchSize) {
      const batch = nonEmpty.slice(i, i + this.options.batchSize);
      const out = await this.pipe(batch.map((r) => r.words.join(' ')));
      batch.forEach((r, b) => {
        const byIndex = new Map(out[b]!.map((t) => [t.index, t.entity]));
        let position = 1; // after [CLS]
        r.words.forEach((w, k) => {
          const n = this.tokensOf(w);
          if (n > 0) r.tags[k] = byIndex.get(position) ?? 'O';
          position += n;
        });
        r.entities = entitySpans(r.words, r.tags, 'strict');
      });
    }
    return results;
  }

  /** Frees the pipeline's session. */
  dispose(): Promise<void> {
    return this.pipe.dispose();
  }
}
