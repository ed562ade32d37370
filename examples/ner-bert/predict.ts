import * as fe from '@fets/estimator';
import type { NerRun } from './recipe.js';

/** An entity found in raw text. */
export interface EntitySpan {
  type: string;
  text: string;
  /** Word positions [start, end) in the whitespace-split input. */
  start: number;
  end: number;
}

/**
 * Turns raw text into entity spans: `pipeline.transform` (tokenize, mask) → `network.transform` (logits) → the tag of
 * each word's first sub-token → IOB2 chunks.
 *
 * @example
 * await predictEntities(run, 'have you seen the dark knight'); // [{ type: 'TITLE', text: 'the dark knight', ... }]
 */
export async function predictEntities(run: NerRun, text: string): Promise<{ words: string[]; tags: string[]; entities: EntitySpan[] }> {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return { words, tags: [], entities: [] };
  const batch = run.pipeline.transform({ words }, 'infer');
  const out = await run.network.transform(batch, 'infer');
  const logits = out.yPred as fe.NDArray;
  const [, len, numLabels] = logits.shape as [number, number, number];
  const { wordIds } = run.tokenizer.encode(words, { isSplitIntoWords: true, maxLength: run.cfg.maxLen, addSpecialTokens: true });
  const tags = words.map(() => 'O');
  const seen = new Set<number>();
  for (let t = 0; t < Math.min(len, wordIds.length); t++) {
    const w = wordIds[t];
    if (w === null || w === undefined || seen.has(w)) continue;
    seen.add(w);
    let best = 0;
    for (let c = 1; c < numLabels; c++) if ((logits.data[t * numLabels + c] as number) > (logits.data[t * numLabels + best] as number)) best = c;
    tags[w] = run.splits.labels[best]!;
  }
  const entities = fe.trace.getEntities(tags).map(({ type, start, end }) => ({
    type,
    start,
    end: end + 1,
    text: words.slice(start, end + 1).join(' '),
  }));
  return { words, tags, entities };
}
