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

/** The options the key graph reads from an op's literal options (the rest of them never matters here). */
export type KeyOptions<O> = Pick<O, Extract<keyof O, 'inputs' | 'outputs' | 'mode'>>;

/**
 * What an op carries when its keys are not known at compile time: the widest signature, so that an op with literal
 * keys is assignable to the same op class without them (`BertTokenize<{…}>` to `BertTokenize`).
 */
export type GeneralSig = KeySig;

/** The signature of an op whose keys are not known at compile time, as the checks read it. */
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
type KnownModes<S> = unknown extends S
  ? true
  : S extends undefined | null
    ? true
    : string extends S
      ? false
      : S extends readonly (infer E)[]
        ? string extends E
          ? false
          : true
        : true;

/** A key spec (`'x'`, `['x', 'y']`) as a tuple; `undefined` → `[]`; not a tuple → `string[]`. */
export type KeysOf<K> = unknown extends K
  ? []
  : K extends undefined | null
    ? []
    : K extends string
      ? [K]
      : K extends readonly string[]
        ? K
        : string[];

type Pair<Ks, Vs extends readonly unknown[], Acc extends KeyUse[] = []> = Ks extends readonly [infer K extends string, ...infer R]
  ? Pair<R, Vs extends readonly [unknown, ...infer VR] ? VR : Vs, [...Acc, [K, ValueAt<Vs>]]>
  : Ks extends readonly []
    ? Acc
    : [[string, any]];

/** The first value type of a tuple, the element type of an array, or any. */
type ValueAt<Vs> = Vs extends readonly []
  ? any
  : Vs extends readonly [infer V, ...unknown[]]
    ? V
    : Vs extends readonly (infer E)[]
      ? E
      : any;

/**
 * The signature of an op from its options `O` (inputs, outputs, mode) and the value types `Io` its class declares.
 * Options that are not literal (the constructor's parameter is not a `const` type parameter) give {@link UnknownSig}.
 */
export type SigFromOptions<O, Io extends KeyIo = KeyIo, Optional extends string = never> = O extends {
  readonly inputs?: infer I;
  readonly outputs?: infer Out;
  readonly mode?: infer M;
}
  ? NotLiteral<I> extends true
    ? GeneralSig
    : NotLiteral<Out> extends true
      ? GeneralSig
      : KnownModes<M> extends true
        ? {
            reads: Pair<KeysOf<I>, Io['in']>;
            writes: Pair<KeysOf<Out>, Io['out']>;
            optional: Optional;
            deletes: never;
            modes: ModesOf<M>;
          }
        : GeneralSig
  : GeneralSig;

/** True when a key spec is not known at compile time (`string`, `string[]`, a union of a key and a list). */
type NotLiteral<K> = unknown extends K
  ? false
  : string extends Exclude<K, readonly unknown[] | undefined | null>
    ? true
    : K extends readonly (infer E)[]
      ? string extends E
        ? true
        : [Extract<K, string>] extends [never]
          ? false
          : true
      : false;

/** The signature an op, trace or scheduler of ops carries (`'~sig'`), else derived from its options (`'~opts'`). */
export type SigOf<T> = Known<
  T extends { readonly '~sig': infer S extends KeySig }
    ? S
    : T extends { readonly '~opts': infer O; readonly '~io': infer Io extends KeyIo }
      ? SigFromOptions<O, Io>
      : T extends { getAllValues(): (infer V)[] }
        ? SchedSig<Exclude<V, null | undefined>>
        : UnknownSig
>;

/** The general signature read as unknown. */
type Known<S> = KeySig extends S ? UnknownSig : S;

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
export type ModeWords<M> =
  `${'train' extends M ? ' train' : ''}${'eval' extends M ? ' eval' : ''}${'test' extends M ? ' test' : ''}${'infer' extends M ? ' infer' : ''}` extends ` ${infer W}`
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

/** The problem of one element of `ops` (an op, or a scheduler whose every op is checked) against `A`, or never. */
export type ElementProblem<H, A, Where extends string = 'no data set or earlier op'> = H extends { getAllValues(): (infer V)[] }
  ? Exclude<V, null | undefined> extends infer U
    ? U extends unknown
      ? OpProblem<SigOf<U>, A, Where>
      : never
    : never
  : OpProblem<SigOf<H>, A, Where>;

/** `ops` checked against `A` element by element: `true`, or the tuple with the first wrong element replaced by its message. */
export type CheckOps<Ops, A, Done extends unknown[] = []> = Tuple<Ops> extends true ? CheckTuple<Ops, A, Done> : true;

/** True when a union has more than one member. */
type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never;
/**
 * True for one tuple of known length. An op list held in a variable (an array type) or built with a conditional spread
 * (a union of tuples) is left to the run-time check.
 */
export type Tuple<Ops> =
  true extends IsUnion<Ops> ? false : Ops extends readonly unknown[] ? (number extends Ops['length'] ? false : true) : false;
type CheckTuple<Ops, A, Done extends unknown[]> = Ops extends readonly [infer H, ...infer T]
  ? ElementProblem<H, A> extends infer P
    ? [P] extends [never]
      ? CheckTuple<T, Apply<A, SigOf<H>>, [...Done, H]>
      : readonly [...Done, P, ...T]
    : never
  : true;

/** An `ops` parameter: the ops themselves when their graph holds, else the tuple naming the first problem. */
export type CheckedOps<Ops, A> = Tuple<Ops> extends true ? (CheckOps<Ops, A> extends true ? Ops : CheckOps<Ops, A>) : readonly unknown[];

/** What is available after `ops` ran on `A` (an op list that is not a tuple leaves anything). */
export type AfterOps<Ops, A> = Tuple<Ops> extends true ? AfterTuple<Ops, A> : A | AnyKeys;
type AfterTuple<Ops, A> = Ops extends readonly [infer H, ...infer T]
  ? AfterTuple<T, Apply<A, SigOf<H>>>
  : Ops extends readonly []
    ? A
    : A | AnyKeys;

/** The entries of a sample type in mode `M` (a sample type without literal keys: anything). */
export type SampleEntries<M extends Mode, S> = true extends (S extends unknown ? (string extends keyof S ? true : false) : never)
  ? [M, string, any]
  : S extends unknown
    ? { [K in keyof S & string]-?: [M, K, S[K]] }[keyof S & string]
    : never;

/** Keys read with any value. */
type AnyReads<W> = W extends readonly [[infer K extends string, unknown], ...infer T] ? [[K, any], ...AnyReads<T>] : [];

/**
 * `Sometimes` and `Repeat`: the op's signature, whose outputs must also exist before it (when it does not run, they
 * keep their values).
 */
export type MetaSig<S extends KeySig> = S extends { reads: infer R extends readonly KeyUse[]; writes: infer W extends readonly KeyUse[] }
  ? { reads: [...R, ...AnyReads<W>]; writes: W; optional: S['optional']; deletes: S['deletes']; modes: S['modes'] }
  : S;

type NotWritten<R, W> = R extends readonly [infer H extends KeyUse, ...infer T]
  ? H[0] extends W
    ? NotWritten<T, W>
    : [H, ...NotWritten<T, W>]
  : [];

/** `Fuse`: what its chain reads from outside and everything it writes, in the first op's modes. */
export type FuseSig<Ops, W = never, R extends KeyUse[] = [], Out extends KeyUse[] = [], M extends Mode = Mode> = Ops extends readonly [
  infer H,
  ...infer T,
]
  ? SigOf<H> extends infer S extends KeySig
    ? S['reads'] extends readonly KeyUse[]
      ? S['writes'] extends readonly KeyUse[]
        ? FuseSig<T, W | Keys<S['writes']>, [...R, ...NotWritten<S['reads'], W>], [...Out, ...S['writes']], R extends [] ? S['modes'] : M>
        : UnknownSig
      : UnknownSig
    : UnknownSig
  : Ops extends readonly []
    ? { reads: R; writes: Out; optional: never; deletes: never; modes: M }
    : UnknownSig;

/** `Delete`: reads its inputs and removes them. */
export type DeleteSig<O> =
  SigFromOptions<O> extends infer S extends KeySig
    ? S['reads'] extends readonly KeyUse[]
      ? { reads: S['reads']; writes: []; optional: never; deletes: Keys<S['reads']>; modes: S['modes'] }
      : S
    : never;

/** `UpdateOp`: reads its loss key, in `train` unless its options say otherwise. */
export type UpdateSig<O> = O extends { readonly lossName: infer L extends string }
  ? SigFromOptions<{ inputs: L; mode: O extends { readonly mode: infer M } ? M : 'train' }>
  : UnknownSig;

/** Every key an op list writes, in any mode and order (`string` when one is not known). */
export type AllWrites<Ops> = Ops extends readonly (infer E)[] ? WritesOf<E> : string;
type WritesOf<E> = E extends { getAllValues(): (infer V)[] }
  ? WritesOf<Exclude<V, null | undefined>>
  : SigOf<E>['writes'] extends infer W
    ? W extends readonly KeyUse[]
      ? Keys<W> | (E extends { readonly ops: readonly (infer I)[] } ? WritesOf<I> : never)
      : string
    : never;

/** Network ops checked at construction: an UpdateOp's loss must be written by an op of the same Network (as at run time). */
export type CheckNetworkOps<Ops, All = AllWrites<Ops>, Done extends unknown[] = []> = Ops extends readonly [infer H, ...infer T]
  ? (
      H extends { readonly '~loss': infer L extends string }
        ? string extends L
          ? never
          : L extends All
            ? never
            : L
        : never
    ) extends infer L
    ? [L] extends [never]
      ? CheckNetworkOps<T, All, [...Done, H]>
      : readonly [
          ...Done,
          `${L & string} is UpdateOp's loss but no op of this Network writes it (mode ${ModeWords<SigOf<H>['modes']>})`,
          ...T,
        ]
    : never
  : true;

/** A Network's `ops` parameter: the ops when they hold, else the tuple naming the first problem. */
export type CheckedNetworkOps<Ops> =
  Tuple<Ops> extends true
    ? CheckNetworkOps<Ops> extends true
      ? Ops
      : CheckNetworkOps<Ops>
    : readonly (TensorOpLike | { getAllValues(): unknown[] })[];

/** What a Network entry is at least (the Network validates its ops at run time). */
interface TensorOpLike {
  readonly inputs: readonly string[];
}

/** What a Network reads from outside (`needs`: `[mode, key]`) and writes (`out`: entries), walking its ops. */
export interface NetworkKeys<Needs = [Mode, string], Out = AnyKeys> {
  readonly needs: Needs;
  readonly out: Out;
}

type NeedsOf<S extends KeySig, A> = S['reads'] extends readonly KeyUse[]
  ? S['reads'][number] extends infer U
    ? U extends [infer K extends string, unknown]
      ? string extends K
        ? never
        : MissingIn<A, K extends S['optional'] ? Exclude<S['modes'], 'infer'> : S['modes'], K> extends infer M
          ? M extends Mode
            ? [M, K]
            : never
          : never
      : never
    : never
  : never;

/** The keys of a Network of these ops. */
export type NetworkKeysOf<Ops> = Tuple<Ops> extends true ? NetKeysTuple<Ops> : NetworkKeys;
type NetKeysTuple<Ops, A = never, Needs = never> = Ops extends readonly [infer H, ...infer T]
  ? H extends { getAllValues(): (infer V)[] }
    ? NetKeysTuple<
        T,
        Apply<A, SigOf<H>>,
        Needs | (Exclude<V, null | undefined> extends infer U ? (U extends unknown ? NeedsOf<SigOf<U>, A> : never) : never)
      >
    : NetKeysTuple<T, Apply<A, SigOf<H>>, Needs | NeedsOf<SigOf<H>, A>>
  : Ops extends readonly []
    ? NetworkKeys<Needs, A>
    : NetworkKeys;

/** What is wrong with a Network against a Pipeline's batch `B` (messages), or never. */
export type NetworkProblem<N, B> = N extends { readonly '~net': NetworkKeys<infer Needs, unknown> } ? NeedsProblem<Needs, B> : never;

type NeedsProblem<Needs, B, All = Needs> = Needs extends [unknown, infer K extends string]
  ? string extends K
    ? never
    : MissingIn<B, Extract<All, [Mode, K]>[0], K> extends infer M
      ? [M] extends [never]
        ? never
        : `Network reads ${K}, which the Pipeline's batch does not have (mode ${ModeWords<M>})`
      : never
  : never;
