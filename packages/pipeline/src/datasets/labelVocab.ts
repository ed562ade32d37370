import { z } from 'zod';
import { FetsError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';

const PREFIX_RANK: Readonly<Record<string, number>> = { B: 0, I: 1, E: 2, L: 2, S: 3, U: 3 };

const vocabOptionsSchema = z.strictObject({
  order: z.enum(['sorted', 'first-seen']).default('sorted'),
  outside: z.string().min(1).nullable().default('O'),
});

/** Options of {@link LabelVocab.fromTags}. */
export type LabelVocabOptions = z.input<typeof vocabOptionsSchema>;

/** The JSON form of a LabelVocab: its labels in id order. */
export interface LabelVocabJSON {
  labels: string[];
}

/** A tag is not in the vocabulary, or an id is out of range. */
export class LabelError extends FetsError {}

/** Splits an IOB-style tag into (entity type, prefix rank); a tag without a known prefix is its own type. */
function tagKey(tag: string): [string, number] {
  const dash = tag.indexOf('-');
  if (dash > 0) {
    const rank = PREFIX_RANK[tag.slice(0, dash)];
    if (rank !== undefined) return [tag.slice(dash + 1), rank];
  }
  return [tag, -1];
}

/** Code-unit comparison: the same result on every machine and locale (unlike localeCompare). */
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders tags by entity type, then prefix B, I, E/L, S/U (so `B-X`, `I-X` sit together); plain tags sort by
 * themselves, before prefixed tags of the same name. Code-unit order, independent of locale.
 */
function compareTags(a: string, b: string): number {
  const [ta, ra] = tagKey(a);
  const [tb, rb] = tagKey(b);
  return cmp(ta, tb) || ra - rb || cmp(a, b);
}

/**
 * A label vocabulary: tags ↔ integer ids, built deterministically from the TRAIN split's tag sequences so ids never
 * depend on hashing, iteration order of a Set over other data, or which split is loaded first.
 *
 * Order rule (`order: 'sorted'`, the default): the outside tag (`'O'`, always included) gets id 0; the rest are sorted
 * by entity type (code-unit order), then by prefix B, I, E/L, S/U, e.g. `O, B-ACTOR, I-ACTOR, B-YEAR, I-YEAR`.
 * `order: 'first-seen'`: outside tag first, then tags in the order they first appear in the sequences (deterministic
 * for a fixed file, but changes if the data is reordered). `outside: null` puts no tag first.
 *
 * @example
 * const labels = LabelVocab.fromTags(train.tagSequences());
 * labels.labels;     // ['O', 'B-ACTOR', 'I-ACTOR', …]
 * labels.id('B-ACTOR'); // 1
 * labels.tag(0);     // 'O'
 */
export class LabelVocab {
  /** Labels in id order. */
  readonly labels: readonly string[];
  readonly #ids: Map<string, number>;

  /** A vocabulary with exactly these labels in this order (ids 0 … n-1); duplicates are an error. */
  constructor(labels: readonly string[]) {
    const ids = new Map<string, number>();
    labels.forEach((l, i) => {
      if (typeof l !== 'string' || l === '')
        throw new LabelError(`LabelVocab: label ${i} must be a non-empty string, received ${JSON.stringify(l)}`);
      if (ids.has(l)) throw new LabelError(`LabelVocab: label "${l}" appears twice (ids ${ids.get(l)} and ${i})`);
      ids.set(l, i);
    });
    this.labels = Object.freeze([...labels]);
    this.#ids = ids;
  }

  /**
   * Builds the vocabulary from tag sequences (use the training split only, so ids do not depend on test data).
   *
   * @example
   * LabelVocab.fromTags([['O', 'B-PER', 'I-PER'], ['B-LOC']]).labels; // ['O', 'B-LOC', 'B-PER', 'I-PER']
   */
  static fromTags(tagSequences: Iterable<Iterable<string>>, options: LabelVocabOptions = {}): LabelVocab {
    const o = parseOptions('LabelVocab', vocabOptionsSchema, options);
    const firstSeen: string[] = [];
    const seen = new Set<string>();
    for (const seq of tagSequences) {
      for (const tag of seq) {
        if (!seen.has(tag)) {
          seen.add(tag);
          firstSeen.push(tag);
        }
      }
    }
    const rest = firstSeen.filter((t) => t !== o.outside);
    if (o.order === 'sorted') rest.sort(compareTags);
    return new LabelVocab(o.outside === null ? rest : [o.outside, ...rest]);
  }

  /** Rebuilds a vocabulary saved with `toJSON`. */
  static fromJSON(json: LabelVocabJSON): LabelVocab {
    if (json === null || typeof json !== 'object' || !Array.isArray(json.labels)) {
      throw new LabelError('LabelVocab.fromJSON: expected { labels: string[] }');
    }
    return new LabelVocab(json.labels);
  }

  /** Number of labels (the size of a classifier's output). */
  get length(): number {
    return this.labels.length;
  }

  /** Whether `tag` is a label. */
  has(tag: string): boolean {
    return this.#ids.has(tag);
  }

  /** Id of `tag`; an unknown tag throws a LabelError naming it and the known labels. */
  id(tag: string): number {
    const id = this.#ids.get(tag);
    if (id === undefined) {
      throw new LabelError(`LabelVocab: unknown tag ${JSON.stringify(tag)} (known labels: ${this.labels.join(', ')})`);
    }
    return id;
  }

  /** Tag of `id`; an id outside 0 … length-1 throws a LabelError. */
  tag(id: number): string {
    const t = Number.isInteger(id) ? this.labels[id] : undefined;
    if (t === undefined) throw new LabelError(`LabelVocab: id ${id} is out of range 0..${this.labels.length - 1}`);
    return t;
  }

  /** Ids of a tag sequence. */
  encode(tags: readonly string[]): number[] {
    return tags.map((t) => this.id(t));
  }

  /** Tags of an id sequence. */
  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (i) => this.tag(i));
  }

  /** The labels in id order, for saving next to a model. */
  toJSON(): LabelVocabJSON {
    return { labels: [...this.labels] };
  }
}
