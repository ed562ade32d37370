/**
 * Which tag transitions a decoder may use: `allowed[i * C + j]` = 1 when tag j may follow tag i, `start[j]` = 1 when a
 * sequence may begin with tag j. Built by {@link iob2Constraints}; {@link TagDecode} gives forbidden ones −∞.
 */
export interface TagConstraints {
  readonly numTags: number;
  readonly allowed: Uint8Array;
  readonly start: Uint8Array;
}

/** `B-X` / `I-X` → `[prefix, type]`; anything else (O, special) → `['O', '']`. */
function parse(label: string): [string, string] {
  const m = /^([BI])-(.+)$/.exec(label);
  return m ? [m[1]!, m[2]!] : ['O', ''];
}

/**
 * The transitions strict IOB2 allows between `labels`: `I-X` may follow only `B-X` or `I-X`, so `O → I-X`,
 * `B-X → I-Y`, `I-X → I-Y` (X ≠ Y) and a sequence starting with `I-X` are forbidden; everything else is allowed.
 *
 * @example
 * const c = iob2Constraints(['O', 'B-PER', 'I-PER']);
 * c.allowed[0 * 3 + 2]; // 0: O → I-PER is forbidden
 */
export function iob2Constraints(labels: readonly string[]): TagConstraints {
  const C = labels.length;
  const parsed = labels.map(parse);
  const allowed = new Uint8Array(C * C);
  const start = new Uint8Array(C);
  for (let j = 0; j < C; j++) {
    const [pj, tj] = parsed[j]!;
    start[j] = pj === 'I' ? 0 : 1;
    for (let i = 0; i < C; i++) {
      const [pi, ti] = parsed[i]!;
      allowed[i * C + j] = pj !== 'I' || (pi !== 'O' && ti === tj) ? 1 : 0;
    }
  }
  return { numTags: C, allowed, start };
}

/**
 * Counts the tags of a sequence that strict IOB2 reads as broken: an `I-X` that follows neither `B-X` nor `I-X`
 * (or starts the sequence).
 *
 * @example
 * countInvalidIob2(['O', 'I-PER', 'B-LOC', 'I-LOC']); // 1
 */
export function countInvalidIob2(tags: readonly string[]): number {
  let n = 0;
  let prev: [string, string] = ['O', ''];
  for (const t of tags) {
    const cur = parse(t);
    if (cur[0] === 'I' && (prev[0] === 'O' || prev[1] !== cur[1])) n++;
    prev = cur;
  }
  return n;
}
