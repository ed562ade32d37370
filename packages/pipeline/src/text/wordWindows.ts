/**
 * One window of a sentence over its words: it holds words `[start, end)` and scores words `[ownStart, ownEnd)` (the
 * words for which it gives the most context; every word of the sentence is scored by exactly one window).
 */
export interface WordWindow {
  readonly start: number;
  readonly end: number;
  readonly ownStart: number;
  readonly ownEnd: number;
}

/**
 * Cuts a sentence into overlapping windows of whole words, Hugging Face's overflowing windows (`stride`,
 * `return_overflowing_tokens`) kept on word boundaries so that each word's label lands in one place. `tokenCounts[w]`
 * is the number of sub-tokens of word w; each window holds at most `room` sub-tokens (a single longer word gets a
 * window of its own and is cut there, as without windows). Consecutive windows share at most `stride` sub-tokens of
 * whole words, and each reaches past the one before it. A sentence that fits is one window.
 *
 * Each word is scored by the window where it has the most context: the largest min(sub-tokens before it, sub-tokens
 * after it) in that window, the earlier window on a tie (Hugging Face's max-context rule for overlapping windows).
 * Owners never go back, so each window owns one contiguous run of words.
 *
 * In: sub-tokens per word, the room (maxLen − 2 for `[CLS]` and `[SEP]`), the stride. Out: the windows, in order.
 *
 * @example
 * wordWindows([1, 1, 1, 1, 1], 3, 1);
 * // [{ start: 0, end: 3, ownStart: 0, ownEnd: 2 }, { start: 2, end: 5, ownStart: 2, ownEnd: 5 }]
 */
export function wordWindows(tokenCounts: readonly number[], room: number, stride: number): WordWindow[] {
  const n = tokenCounts.length;
  const total = tokenCounts.reduce((a, b) => a + b, 0);
  if (total <= room) return [{ start: 0, end: n, ownStart: 0, ownEnd: n }];
  const spans: [number, number][] = [];
  let a = 0;
  for (;;) {
    let b = a;
    let t = 0;
    while (b < n && t + tokenCounts[b]! <= room) t += tokenCounts[b++]!;
    if (b === a) b = a + 1; // one word longer than the room: alone, cut by the tokenizer
    // Trailing words without sub-tokens belong with the words before them.
    while (b < n && tokenCounts[b] === 0) b++;
    spans.push([a, b]);
    if (b >= n) break;
    // Share at most `stride` sub-tokens, and leave room for word b so that the next window reaches past this one.
    const budget = Math.min(stride, room - tokenCounts[b]!);
    let next = b;
    let shared = 0;
    while (next - 1 > a && shared + tokenCounts[next - 1]! <= budget) shared += tokenCounts[--next]!;
    a = next;
  }
  // prefix[w]: sub-tokens before word w.
  const prefix = new Array<number>(n + 1);
  prefix[0] = 0;
  for (let w = 0; w < n; w++) prefix[w + 1] = prefix[w]! + tokenCounts[w]!;
  const owner = new Int32Array(n);
  let first = 0;
  for (let w = 0; w < n; w++) {
    while (spans[first]![1] <= w) first++;
    let best = -1;
    let bestScore = -1;
    for (let k = first; k < spans.length && spans[k]![0] <= w; k++) {
      const [s, e] = spans[k]!;
      const score = Math.min(prefix[w]! - prefix[s]!, prefix[e]! - prefix[w + 1]!);
      if (score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    owner[w] = w > 0 ? Math.max(best, owner[w - 1]!) : best;
  }
  return spans.map(([start, end], k) => {
    let ownStart = start;
    while (ownStart < end && owner[ownStart]! < k) ownStart++;
    let ownEnd = ownStart;
    while (ownEnd < end && owner[ownEnd] === k) ownEnd++;
    return { start, end, ownStart, ownEnd };
  });
}
