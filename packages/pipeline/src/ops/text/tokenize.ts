import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';
import { isPythonSpace } from '../../text/charClasses.js';

/** Options of {@link Tokenize}. */
export const tokenizeOptions = opOptionsSchema.extend({
  /** Splits one string into tokens (default: split on whitespace, dropping empty pieces). */
  tokenizeFn: z.custom<(text: string) => string[]>((v) => typeof v === 'function', 'expected a function').optional(),
  /** Lower-case each token after splitting (default false). */
  toLowerCase: z.boolean().default(false),
});

/** Options of {@link Tokenize} (see {@link tokenizeOptions}). */
export type TokenizeOptions = z.input<typeof tokenizeOptions>;

/** Splits on runs of whitespace (Python's `str.split()`), without regexes. */
export function splitWhitespace(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    if (isPythonSpace(text.charCodeAt(i))) {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) start = i;
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/**
 * Splits a string into a list of tokens: by whitespace, or with `tokenizeFn`; optionally lower-cased.
 * Key in: a string. Key out: `string[]`.
 *
 * @example
 * new Tokenize({ inputs: 'text', outputs: 'words', toLowerCase: true }); // 'The Dark  Knight' → ['the', 'dark', 'knight']
 */
export class Tokenize<const O extends TokenizeOptions = TokenizeOptions> extends NumpyOp<typeof tokenizeOptions, O> {
  declare readonly '~io': { in: [string]; out: [string[]] };
  readonly tokenizeFn: (text: string) => string[];
  readonly toLowerCase: boolean;

  constructor(options: O) {
    super(options, tokenizeOptions);
    const o = this.options;
    this.tokenizeFn = o.tokenizeFn ?? splitWhitespace;
    this.toLowerCase = o.toLowerCase;
  }

  override forward(data: unknown, _state?: PipelineState): string[] {
    if (typeof data !== 'string') {
      throw new OpError(this.name, this.inputs[0], `expected a string, received ${describeValue(data)}`);
    }
    const tokens = this.tokenizeFn(data);
    if (!Array.isArray(tokens)) {
      throw new OpError(this.name, this.inputs[0], `tokenizeFn must return an array of strings, returned ${describeValue(tokens)}`);
    }
    return this.toLowerCase ? tokens.map((t) => String(t).toLowerCase()) : tokens;
  }
}
