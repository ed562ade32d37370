import { SeqevalTagError } from './errors.js';
import { dropFirst, dropLast, firstChar, lastChar } from './strings.js';

/**
 * One chunk found by the default (conlleval-style) chunker: entity type and the first and LAST position, both
 * inclusive (seqeval's `(type, start, end)` triple). For nested input the positions index the flattened sequence in
 * which every sentence is followed by one extra `O`.
 */
export interface Chunk {
  type: string;
  start: number;
  end: number;
}

/** Splits a label into its prefix letter and type as seqeval's `get_entities` does (`O` and bare prefixes → `_`). */
function splitLabel(label: string, suffix: boolean, sentence: number, position: number): [string, string] {
  if (typeof label !== 'string' || label.length === 0) {
    throw new SeqevalTagError(
      String(label),
      sentence,
      position,
      `seqeval: expected a non-empty tag string at sentence ${sentence}, position ${position}, received ${JSON.stringify(label)}`,
    );
  }
  if (suffix) {
    const rest = dropLast(label);
    const cut = rest.lastIndexOf('-');
    return [lastChar(label)!, (cut < 0 ? rest : rest.slice(0, cut)) || '_'];
  }
  const rest = dropFirst(label);
  const cut = rest.indexOf('-');
  return [firstChar(label)!, (cut < 0 ? rest : rest.slice(cut + 1)) || '_'];
}

/**
 * True when a chunk ends between the previous and the current token (seqeval's `end_of_chunk`).
 *
 * @example
 * endOfChunk('B', 'O', 'PER', '_'); // true
 */
export function endOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (prevTag === 'E' || prevTag === 'S') return true;
  if ((prevTag === 'B' || prevTag === 'I') && (tag === 'B' || tag === 'S' || tag === 'O')) return true;
  return prevTag !== 'O' && prevTag !== '.' && prevType !== type;
}

/**
 * True when a chunk starts at the current token (seqeval's `start_of_chunk`).
 *
 * @example
 * startOfChunk('O', 'I', '_', 'PER'); // true (IOB1-style start)
 */
export function startOfChunk(prevTag: string, tag: string, prevType: string, type: string): boolean {
  if (tag === 'B' || tag === 'S') return true;
  if ((prevTag === 'E' || prevTag === 'S' || prevTag === 'O') && (tag === 'E' || tag === 'I')) return true;
  return tag !== 'O' && tag !== '.' && prevType !== type;
}

/**
 * Default-mode entity chunks of a tag sequence, exactly as seqeval's `get_entities`: lenient conlleval rules over the
 * prefixes B, I, E, S, O (an `I-X` after `O` starts a chunk, a type change ends one). A list of sentences is
 * flattened with an `O` after each sentence, so positions are offsets into that flattened list.
 *
 * @param seq one sentence of tags (`['B-PER', 'I-PER', 'O']`) or a list of sentences
 * @param options `suffix: true` reads tags written as `PER-B`
 * @returns chunks in order of their end, each `{ type, start, end }` with `end` inclusive
 * @example
 * getEntities(['B-PER', 'I-PER', 'O', 'B-LOC']); // [{type:'PER',start:0,end:1}, {type:'LOC',start:3,end:3}]
 */
export function getEntities(seq: readonly string[] | readonly (readonly string[])[], options: { suffix?: boolean } = {}): Chunk[] {
  const suffix = options.suffix ?? false;
  const flat: string[] = [];
  const sentOf: number[] = [];
  const posOf: number[] = [];
  const nested = seq.some((s) => Array.isArray(s));
  if (nested) {
    (seq as readonly (readonly string[])[]).forEach((sentence, si) => {
      sentence.forEach((t, pi) => {
        flat.push(t);
        sentOf.push(si);
        posOf.push(pi);
      });
      flat.push('O');
      sentOf.push(si);
      posOf.push(sentence.length);
    });
  } else {
    (seq as readonly string[]).forEach((t, pi) => {
      flat.push(t);
      sentOf.push(0);
      posOf.push(pi);
    });
  }
  flat.push('O');
  const chunks: Chunk[] = [];
  let prevTag = 'O';
  let prevType = '';
  let begin = 0;
  for (let i = 0; i < flat.length; i++) {
    const [tag, type] = splitLabel(flat[i]!, suffix, sentOf[i] ?? 0, posOf[i] ?? i);
    if (endOfChunk(prevTag, tag, prevType, type)) chunks.push({ type: prevType, start: begin, end: i - 1 });
    if (startOfChunk(prevTag, tag, prevType, type)) begin = i;
    prevTag = tag;
    prevType = type;
  }
  return chunks;
}
