/**
 * Trace keys at compile time (types only; see `@fets/pipeline`'s `core/keyGraph.ts`): what a trace reads per batch
 * and writes at epoch end, from its literal options, and the check of an Estimator's traces against the Pipeline's
 * batch, the Network's outputs and the other traces' outputs.
 */
import type { AnyKeys, ElementProblem, KeySig, KeyUse, Mode, ModesOf, NetworkKeys, SigOf } from '@fets/pipeline';

/** The value of option `K` of `O` (`undefined` when absent or not known). */
export type OptionOf<O, K extends string> = O extends { readonly [P in K]?: infer V } ? (unknown extends V ? undefined : V) : undefined;

/** Keys as `[key, any]` uses, skipping what is not a string (absent options). */
export type Uses<K> = K extends readonly [infer H, ...infer T] ? (H extends string ? [[H, any], ...Uses<T>] : Uses<T>) : [];

/**
 * A trace's signature: the keys `Reads` (a tuple) it reads per batch and `Writes` it writes, in the modes of its
 * `mode` option (`Default` when absent). A `mode` that is not literal leaves its reads to the run-time check.
 */
export type TraceSig<O, Reads extends readonly unknown[], Writes extends readonly unknown[], Default extends Mode = Mode> = string extends
  | Reads[number]
  | Writes[number]
  ? KeySig
  : OptionOf<O, 'mode'> extends infer M
    ? [M] extends [undefined]
      ? { reads: Uses<Reads>; writes: Uses<Writes>; optional: never; deletes: never; modes: Default }
      : string extends Exclude<M, readonly unknown[]>
        ? KeySig
        : { reads: Uses<Reads>; writes: Uses<Writes>; optional: never; deletes: never; modes: ModesOf<M> }
    : never;

/** A built-in trace whose reads are left to the run-time check and that writes no key another trace reads per batch. */
export interface QuietSig {
  readonly reads: 'unknown';
  readonly writes: [];
  readonly optional: never;
  readonly deletes: never;
  readonly modes: Mode;
}

type Written<E> = E extends unknown ? WrittenBy<SigOf<E>> : never;
type WrittenBy<S> = S extends { writes: infer W; modes: infer M }
  ? W extends readonly KeyUse[]
    ? W[number] extends infer U
      ? U extends [infer K, unknown]
        ? Distribute<M, K>
        : never
      : never
    : AnyKeys
  : never;
type Distribute<M, K> = M extends Mode ? [M, K, any] : never;

/** What the traces of a list write (a list that is not a tuple: anything). */
export type TraceWrites<Ts> = Ts extends readonly (infer E)[] ? (number extends Ts['length'] ? AnyKeys : Written<E>) : AnyKeys;

/** The batch entries of a Pipeline (anything when it is not typed). */
export type BatchOf<P> = P extends { readonly '~batch': infer B } ? B : AnyKeys;
/** The entries a Network writes (anything when it is not typed). */
export type NetworkOut<N> = N extends { readonly '~net': NetworkKeys<unknown, infer O> } ? O : AnyKeys;

/** `traces` checked element by element: `true`, or the tuple with the first wrong trace replaced by its message. */
export type CheckTraces<Ts, A, Done extends unknown[] = []> = Ts extends readonly [infer H, ...infer T]
  ? ElementProblem<H, A, 'neither the Pipeline, the Network nor a trace'> extends infer P
    ? [P] extends [never]
      ? CheckTraces<T, A, [...Done, H]>
      : readonly [...Done, P, ...T]
    : never
  : true;

/** An Estimator's `traces` parameter: the traces when every key they read exists, else the tuple naming the problem. */
export type CheckedTraces<Ts, B, N> =
  CheckTraces<Ts, B | NetworkOut<N> | TraceWrites<Ts>> extends true ? Ts : CheckTraces<Ts, B | NetworkOut<N> | TraceWrites<Ts>>;

/** A classification metric (`trueKey`, `predKey`, optional `maskKey`; eval and test by default) writing `outputName`. */
export type MetricSig<O, DefaultName extends string> = TraceSig<
  O,
  [OptionOf<O, 'trueKey'>, OptionOf<O, 'predKey'>, OptionOf<O, 'maskKey'>],
  [OptionOf<O, 'outputName'> extends string ? OptionOf<O, 'outputName'> : DefaultName],
  'eval' | 'test'
>;

/** A built-in trace whose reads are left to the run-time check and that writes `W` (epoch-end keys, or none). */
export interface QuietWrites<W extends readonly string[]> extends Omit<QuietSig, 'writes'> {
  readonly writes: Uses<W>;
}
