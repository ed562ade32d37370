import { FetsError } from '../core/errors.js';
import { isPythonSpace } from './charClasses.js';

/** A vocabulary file cannot be read or lacks a token the tokenizer needs. */
export class VocabError extends FetsError {
  constructor(
    message: string,
    readonly file?: string,
  ) {
    super(file === undefined ? message : `${file}: ${message}`);
  }
}

function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPythonSpace(s.charCodeAt(a))) a++;
  while (b > a && isPythonSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Parses a WordPiece vocabulary (one token a line, id = line number from 0, each line stripped as the reference's
 * `load_vocab` does; a repeated token keeps its last id).
 *
 * @example
 * parseVocab('[PAD]\n[UNK]\nthe\n').get('the'); // 2
 */
export function parseVocab(text: string): Map<string, number> {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const vocab = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) vocab.set(pyStrip(lines[i]!), i);
  return vocab;
}

/**
 * Reads a WordPiece vocabulary file (`vocab.txt`) into a token → id map.
 *
 * @example
 * const vocab = await loadVocabFile('bert-base-uncased-vocab.txt'); // vocab.get('[CLS]') === 101
 */
export async function loadVocabFile(path: string): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await (await import('node:fs/promises')).readFile(path, 'utf8');
  } catch (e) {
    throw new VocabError(`cannot read vocabulary file: ${(e as Error).message}`, path);
  }
  const vocab = parseVocab(text);
  if (vocab.size === 0) throw new VocabError('vocabulary file is empty', path);
  return vocab;
}
