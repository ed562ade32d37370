import { z } from 'zod';
import { OpError, describeValue } from '../../core/errors.js';
import { opOptionsSchema } from '../../core/op.js';
import { NumpyOp, type PipelineState } from '../numpyOp.js';

/** A token → id mapping: a record, a Map, or a function (returning undefined for an unknown token). */
export type TokenMapping = Readonly<Record<string, number>> | ReadonlyMap<string, number> | ((token: string) => number | undefined);

/** Options of {@link WordtoId}. */
export const wordtoIdOptions = opOptionsSchema.extend({
  /** Token → id (record, Map, or function). */
  mapping: z.union([
    z.instanceof(Map),
    z.custom<(token: string) => number | undefined>((v) => typeof v === 'function', 'expected a function'),
    z.record(z.string(), z.number().int()),
  ]),
  /** Id of a token missing from `mapping`; without it a missing token is an error. */
  unkId: z.number().int().optional(),
});

/** Options of {@link WordtoId} (see {@link wordtoIdOptions}). */
export type WordtoIdOptions = z.input<typeof wordtoIdOptions>;

/**
 * Maps a list of tokens to integer ids. An unknown token maps to `unkId`; with no `unkId` it throws an OpError naming
 * the token. Key in: `string[]`. Key out: `Int32Array`.
 *
 * @example
 * new WordtoId({ inputs: 'words', outputs: 'x', mapping: { the: 1, dark: 2 }, unkId: 0 }); // ['the', 'cat'] → [1, 0]
 */
export class WordtoId<const O extends WordtoIdOptions = WordtoIdOptions> extends NumpyOp<typeof wordtoIdOptions, O> {
  declare readonly '~io': { in: [readonly unknown[]]; out: [Int32Array] };
  readonly unkId: number | undefined;
  private readonly lookup: (token: string) => number | undefined;

  constructor(options: O) {
    super(options, wordtoIdOptions);
    const o = this.options;
    this.unkId = o.unkId;
    const m = o.mapping as TokenMapping;
    if (typeof m === 'function') this.lookup = m;
    else if (m instanceof Map) this.lookup = (t) => m.get(t);
    else {
      const rec = m as Readonly<Record<string, number>>;
      this.lookup = (t) => (Object.hasOwn(rec, t) ? rec[t] : undefined);
    }
    this.padValues = Object.fromEntries(this.outputs.map((k) => [k, 0]));
  }

  override forward(data: unknown, _state?: PipelineState): Int32Array {
    const key = this.inputs[0];
    if (!Array.isArray(data)) {
      throw new OpError(this.name, key, `expected an array of tokens, received ${describeValue(data)}`);
    }
    const out = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const token = data[i] as string;
      const id = typeof token === 'string' ? this.lookup(token) : undefined;
      if (id === undefined || id === null) {
        if (this.unkId === undefined) {
          throw new OpError(this.name, key, `token ${describeValue(token)} at position ${i} is not in the mapping and no unkId is set`);
        }
        out[i] = this.unkId;
      } else if (!Number.isInteger(id)) {
        throw new OpError(this.name, key, `mapping gave ${describeValue(id)} for token ${describeValue(token)}, expected an integer`);
      } else out[i] = id;
    }
    return out;
  }
}
