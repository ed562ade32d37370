/**
 * The key graph at compile time: types only, nothing here runs. Each op carries a phantom signature (the keys it reads
 * and writes with their value types, and its modes) captured from its literal options; the keys available at a point
 * of a graph are a union of `[mode, key, value]` entries; each element of an `ops` tuple is checked against what the
 * elements before it left, by a tail-recursive conditional type. A key, mode or op that is not known at compile time
 * (a computed string, an untyped data set, an op list held in a variable, an op class without a `const` options
 * parameter) falls back to the run-time check (`fets check`, the Pipeline's and Network's graph checks), silently: the
 * wildcard entry `[mode, string, any]` stands for "anything may be there".
 */
import type { Mode } from './mode.js';

/** One available key: `[mode, key, value type]`. `key` may be `string` (anything: the run-time check decides). */
export type KeyEntry = [Mode, string, unknown];

/** Every key in every mode, with any value: what an untyped source or op leaves. */
export type AnyKeys = [Mode, string, any];

/** One key an op reads or writes: `[key, value type]`. */
export type KeyUse = [string, unknown];

/**
 * What the compile-time check knows of an op or trace. `reads: 'unknown'` skips the op's own check; `writes: 'unknown'`
 * makes every key available after it.
 */
export interface KeySig {
  readonly reads: readonly KeyUse[] | 'unknown';
  readonly writes: readonly KeyUse[] | 'unknown';
  /** Keys read only outside infer mode (BertTokenize's tags). */
  readonly optional: string;
  /** Keys removed (`Delete`). */
  readonly deletes: string;
  /** Modes it runs in; `Mode` when not known. */
  readonly modes: Mode;
}

/** The signature of an op whose keys are not known at compile time. */
export interface UnknownSig {
  readonly reads: 'unknown';
  readonly writes: 'unknown';
  readonly optional: never;
  readonly deletes: never;
  readonly modes: Mode;
}

/** Value types an op reads and writes, by position of its `inputs` and `outputs` (default: any). */
export interface KeyIo {
  readonly in: readonly unknown[];
  readonly out: readonly unknown[];
}

/** The modes a mode spec selects (`'!infer'` → train | eval | test; not a literal → every mode). */
export type ModesOf<S> = unknown extends S
  ? Mode
  : S extends undefined | null
  ? Mode
  : S extends `!${infer M}`
    ? Exclude<Mode, M>
    : S extends Mode
      ? S
      : S extends readonly (infer E)[]
        ? [E] extends [never]
          ? Mode
          : E extends `!${string}`
            ? Exclude<Mode, E extends `!${infer M}` ? M : never>
            : E extends Mode
              ? E
              : Mode
        : Mode;

/** True when a mode spec is known at compile time. */
type KnownModes<S> = unknown extends S ? true : S extends undefined | null ? true : string extends S ? false : S extends readonly (infer E)[] ? (string extends E ? false : true) : true;

/** A key spec (`'x'`, `['x', 'y']`) as a tuple; `undefined` → `[]`; not a tuple → `string[]`. */
export type KeysOf<K> = unknown extends K ? [] : K extends undefined | null ? [] : K extends string ? [K] : K extends readonly string[] ? K : string[];

type Pair<Ks, Vs extends readonly unknown[], Acc extends KeyUse[] = []> = Ks extends readonly [infer K extends string, ...infer R]
  ? Pair<R, Vs extends readonly [unknown, ...infer VR] ? VR : Vs, [...Acc, [K, Vs extends readonly [infer V, ...unknown[]] ? V : any]]>
  : Ks extends readonly [] ? Acc : [[string, any]];

/**
 * The signature of an op from its options `O` (inputs, outputs, mode) and the value types `Io` its class declares.
 * Options that are not literal (the constructor's parameter is not a `const` type parameter) give {@link UnknownSig}.
 */
export type SigFromOptions<O, Io extends KeyIo = KeyIo, Optional extends string = never> = O extends {
  readonly inputs?: infer I;
  readonly outputs?: infer Out;
  readonly mode?: infer M;
}
  ? KnownModes<M> extends true
    ? {
        reads: Pair<KeysOf<I>, Io['in']>;
        writes: Pair<KeysOf<Out>, Io['out']>;
        optional: Optional;
        deletes: never;
        modes: ModesOf<M>;
      }
    : UnknownSig
  : UnknownSig;

/** The signature an op, trace or scheduler of ops carries (`'~sig'`), else derived from its options (`'~opts'`). */
export type SigOf<T> = T extends { readonly '~sig': infer S extends KeySig }
  ? KeySig extends S
    ? T extends { readonly '~opts': infer O; readonly '~io': infer Io extends KeyIo }
      ? SigFromOptions<O, Io>
      : UnknownSig
    : S
  : T extends { getAllValues(): (infer V)[] }
    ? SchedSig<Exclude<V, null | undefined>>
    : UnknownSig;

/** A scheduler of ops: each value's reads are checked; it may write what any of them writes. */
type SchedSig<V> = [V] extends [never]
  ? { reads: []; writes: []; optional: never; deletes: never; modes: Mode }
  : {
      reads: 'unknown';
      writes: V extends unknown ? (SigOf<V>['writes'] extends infer W extends readonly KeyUse[] ? W : [[string, any]]) : never;
      optional: never;
      deletes: never;
      modes: SigOf<V>['modes'];
    };

/** The value of `key` in `mode` (never: absent). Distributes over the available entries. */
type Lookup<A, M, K> = A extends [infer EM, infer EK, infer V] ? (M extends EM ? (K extends EK ? V : never) : never) : never;

/** Modes of `M` in which `K` is absent from `A`. */
type MissingIn<A, M, K> = M extends Mode ? ([Lookup<A, M, K>] extends [never] ? M : never) : never;
/** Modes of `M` in which `K` holds a value not assignable to `V`. */
type WrongIn<A, M, K, V> = M extends Mode ? ([Lookup<A, M, K>] extends [V] ? never : M) : never;

/** Modes in FastEstimator's order, as words: `'train eval'`. */
export type ModeWords<M> = `${'train' extends M ? ' train' : ''}${'eval' extends M ? ' eval' : ''}${'test' extends M ? ' test' : ''}${'infer' extends M ? ' infer' : ''}` extends ` ${infer W}`
  ? W
  : '';

/** The first problem with an op's reads (a message), or never. */
type ReadProblem<R, M, Opt, A, Where extends string> = R extends readonly [[infer K extends string, infer V], ...infer Rest]
  ? string extends K
    ? ReadProblem<Rest, M, Opt, A, Where>
    : MissingIn<A, K extends Opt ? Exclude<M, 'infer'> : M, K> extends infer Miss
      ? [Miss] extends [never]
        ? WrongIn<A, K extends Opt ? Exclude<M, 'infer'> : M, K, V> extends infer Bad
          ? [Bad] extends [never]
            ? ReadProblem<Rest, M, Opt, A, Where>
            : `${K} holds a value of another type than this op reads (mode ${ModeWords<Bad>})`
          : never
        : `${K} is read but ${Where} provides it (mode ${ModeWords<Miss>})`
      : never
  : never;

/** Entries an op with this signature adds. */
type Written<W, M> = W extends readonly (infer U)[] ? (U extends [infer K, infer V] ? (M extends Mode ? [M, K, V] : never) : never) : never;

/** What is available after an op with signature `S` ran on `A`. */
export type Apply<A, S extends KeySig> = S['writes'] extends 'unknown'
  ? A | AnyKeys
  : Exclude<A, [S['modes'], Keys<S['writes']> | S['deletes'], any]> | Written<S['writes'], S['modes']>;

type Keys<W> = W extends readonly (infer U)[] ? (U extends [infer K, unknown] ? K : never) : never;

/** The problem of one op against `A` (a message), or never. */
export type OpProblem<S extends KeySig, A, Where extends string = 'no data set or earlier op'> = S['reads'] extends 'unknown'
  ? never
  : ReadProblem<S['reads'], S['modes'], S['optional'], A, Where>;

/** `ops` checked against `A` element by element: `true`, or the tuple with the first wrong element replaced by its message. */
export type CheckOps<Ops, A, Done extends unknown[] = []> = Ops extends readonly [infer H, ...infer T]
  ? OpProblem<SigOf<H>, A> extends infer P
    ? [P] extends [never]
      ? CheckOps<T, Apply<A, SigOf<H>>, [...Done, H]>
      : readonly [...Done, P, ...T]
    : never
  : true;

/** An `ops` parameter: the ops themselves when their graph holds, else the tuple naming the first problem. */
export type CheckedOps<Ops, A> = CheckOps<Ops, A> extends true ? Ops : CheckOps<Ops, A>;

/** What is available after `ops` ran on `A` (an op list that is not a tuple leaves anything). */
export type AfterOps<Ops, A> = Ops extends readonly [infer H, ...infer T]
  ? AfterOps<T, Apply<A, SigOf<H>>>
  : Ops extends readonly []
    ? A
    : A | AnyKeys;

/** The entries of a sample type in mode `M` (a sample type without literal keys: anything). */
export type SampleEntries<M extends Mode, S> = string extends keyof S ? [M, string, any] : { [K in keyof S & string]-?: [M, K, S[K]] }[keyof S & string];
