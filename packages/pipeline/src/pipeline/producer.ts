import type { Mode } from '../core/mode.js';
import type { DataDict } from '../core/op.js';
import { PipelineError, FetsError } from '../core/errors.js';
import { NDArray } from '../core/ndarray.js';
import { permutation, seededRandom, shuffleInPlace, type Rng } from '../core/random.js';
import { Dataset, type DataSource } from '../datasets/dataset.js';
import { FilteredData, type NumpyOp, type PipelineState } from '../ops/numpyOp.js';
import type { EpochPlan } from './plan.js';
import { MODE_SEED, mixSeed } from './seeding.js';
import { shardOrder, type Shard } from './shard.js';

/** Per-op timing collected when profiling (`pipeline.benchmark`). */
export type OpProfile = Map<NumpyOp | 'Batch', { ms: number; visits: number }>;

/** What one epoch's producer needs to know. */
export interface ProduceArgs {
  readonly plan: EpochPlan;
  readonly source: DataSource;
  readonly mode: Mode;
  readonly epoch: number;
  readonly dsId: string;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly shuffleBuffer: number;
  /** Stop after this many batches; cycle the data if it has fewer (undefined: one pass). */
  readonly numSteps: number | undefined;
  readonly profile: OpProfile | undefined;
  /** Worker threads for the per-sample ops (undefined: this thread). */
  readonly processor?: SampleProcessor | undefined;
  /** Data-parallel: this rank's part of the epoch (undefined: all of it). */
  readonly shard?: Shard | undefined;
}

const MAX_FILTER_RETRIES = 10_000;
/** Positions of replacement draws start here, apart from the epoch's own positions. */
const REPLACEMENT_POS = 0x40000000;

/** Runs per-sample ops elsewhere (worker threads), in chunks, several chunks in flight. */
export interface SampleProcessor {
  /** Samples per task. */
  readonly chunkSize: number;
  /** Tasks in flight at once. */
  readonly depth: number;
  /** Runs the pre-batch ops of (mode, epoch, dsId) on each sample; FilteredData marks a dropped one. */
  process(
    items: { pos: number; data: DataDict }[],
    where: { mode: Mode; epoch: number; dsId: string; seed: number },
  ): Promise<(DataDict | FilteredData)[]>;
}

function time(profile: OpProfile | undefined, key: NumpyOp | 'Batch', t0: number): void {
  if (!profile) return;
  const e = profile.get(key) ?? { ms: 0, visits: 0 };
  e.ms += performance.now() - t0;
  e.visits += 1;
  profile.set(key, e);
}

/** Runs the pre-batch ops on one sample in place; returns FilteredData if an op dropped it. */
export function runSampleOps(ops: readonly NumpyOp[], data: DataDict, state: PipelineState, profile?: OpProfile): FilteredData | undefined {
  for (const op of ops) {
    const t0 = profile ? performance.now() : 0;
    const r = op.apply(data, state);
    time(profile, op, t0);
    if (r instanceof FilteredData) return r;
  }
  return undefined;
}

/** Splits a batched value into per-sample values (rows of an NDArray, items of a list). */
function columnOf(v: unknown): unknown[] {
  if (v instanceof NDArray) return Array.from({ length: v.shape[0] ?? 0 }, (_, i) => v.row(i));
  return Array.isArray(v) ? v : [v];
}

/** Collates samples and runs the post-batch ops; returns the batch or undefined if a post-batch op dropped it. */
export function finishBatch(args: Pick<ProduceArgs, 'plan' | 'profile'>, samples: DataDict[], state: PipelineState): DataDict | undefined {
  const { plan, profile } = args;
  const t0 = profile ? performance.now() : 0;
  const batch = plan.collate(samples);
  time(profile, 'Batch', t0);
  for (const op of plan.postOps) {
    const t1 = profile ? performance.now() : 0;
    const r = op.forwardBatch(
      op.inputs.map((k) => columnOf(batch[k])),
      state,
    );
    time(profile, op, t1);
    if (r instanceof FilteredData) return undefined;
    const rows = Array.from({ length: r[0]?.length ?? 0 }, (_, i) => Object.fromEntries(op.outputs.map((k, j) => [k, r[j]![i]])));
    Object.assign(batch, plan.collate(rows));
  }
  return batch;
}

/** The state an op sees for the sample at `pos` of an epoch: random numbers depend only on (seed, epoch, mode, pos). */
export function sampleState(mode: Mode, epoch: number, dsId: string, seed: number, pos: number): PipelineState {
  return { mode, epoch, dsId, random: seededRandom(mixSeed(seed, epoch, MODE_SEED[mode], pos)) };
}

/**
 * Produces one epoch of batches from a data source: seeded order, per-sample ops, collation, post-batch ops.
 * Per-sample random numbers depend only on (seed, epoch, mode, position), so results repeat whatever runs them.
 */
export async function* produceBatches(args: ProduceArgs): AsyncGenerator<DataDict> {
  const { plan, source, mode, epoch, dsId, seed } = args;
  const bs = plan.batch!.batchSize;
  const dropLast = plan.batch!.dropLast;
  const orderRng = seededRandom(mixSeed(seed, epoch, MODE_SEED[mode], 0x5eed));
  const stateFor = (pos: number): PipelineState => sampleState(mode, epoch, dsId, seed, pos);
  let steps = 0;
  let pos = 0;
  let pending: DataDict[] = [];
  const limit = args.numSteps;
  const bucketRng = seededRandom(mixSeed(seed, epoch, MODE_SEED[mode], 0xb0c3));
  const poolSize = plan.batch!.bucketBy ? bs * plan.batch!.bucketBatches : bs;
  /** Turns the pending samples into batches (one, or a sorted pool's worth when bucketing). */
  const drain = function* (final: boolean): Generator<DataDict> {
    const groups = plan.batch!.bucketBy ? bucketGroups(pending, bs, plan.batch!.bucketBy, args.shuffle ? bucketRng : undefined) : [pending];
    pending = [];
    for (const g of groups) {
      if (g.length < bs && final && dropLast) continue;
      const b = finishBatch(args, g, stateFor(-1 - steps));
      if (b) yield b;
    }
  };

  if (source instanceof Dataset) {
    const n = source.length;
    if (n === 0) throw new PipelineError(`Pipeline: the ${mode} data set${dsId ? ` "${dsId}"` : ''} is empty`, { mode, dsId });
    // Every rank draws the same order and reads its shard of it; positions (and so per-sample random numbers) are
    // those of the whole order, as one process would number them.
    const shard = args.shard;
    const full = () => (args.shuffle ? permutation(n, orderRng) : Array.from({ length: n }, (_, i) => i));
    let order = shardOrder(full(), shard);
    const globalPos = (p: number) => (shard && shard.size > 1 ? shard.rank + p * shard.size : p);
    let cursor = 0;
    let exhausted = false;
    const replRng = seededRandom(mixSeed(seed, epoch, MODE_SEED[mode], 0xa11ce));
    let replCount = 0;
    const processor = args.processor;
    const chunkSize = processor ? processor.chunkSize : bs;
    const nextChunk = (): { pos: number; index: number; data: DataDict }[] => {
      const items: { pos: number; index: number; data: DataDict }[] = [];
      while (items.length < chunkSize) {
        if (cursor >= order.length) {
          if (limit === undefined || order.length === 0) {
            exhausted = true;
            break;
          }
          order = args.shuffle ? shardOrder(full(), shard) : order;
          cursor = 0;
        }
        const index = order[cursor++]!;
        items.push({ pos: globalPos(pos++), index, data: { ...source.get(index) } });
      }
      return items;
    };
    /** Draws replacements on this thread until one survives (the same draws whichever thread ran the first try). */
    const replace = (): DataDict => {
      for (let retries = 0; retries < MAX_FILTER_RETRIES; retries++) {
        const data: DataDict = { ...source.get(Math.floor(replRng() * n)) };
        const r = runSampleOps(plan.preOps, data, stateFor(REPLACEMENT_POS + replCount++), args.profile);
        if (!r) return data;
      }
      throw new PipelineError(`Pipeline: ${MAX_FILTER_RETRIES} samples in a row were filtered out in mode "${mode}"; check RemoveIf`, {
        mode,
        dsId,
      });
    };
    const inflight: Promise<(DataDict | FilteredData)[]>[] = [];
    const depth = processor ? processor.depth : 1;
    const run = (items: { pos: number; index: number; data: DataDict }[]): Promise<(DataDict | FilteredData)[]> => {
      if (processor) return processor.process(items, { mode, epoch, dsId, seed });
      return Promise.resolve(
        items.map(({ pos: p, index, data }) => {
          try {
            return runSampleOps(plan.preOps, data, stateFor(p), args.profile) ?? data;
          } catch (e) {
            // Name the sample (and its file:line when the data set knows it) in the op's error.
            if (e instanceof FetsError) throw e.locate({ mode, dsId, index, source: source.describe(index) });
            throw e;
          }
        }),
      );
    };
    for (;;) {
      while (inflight.length < depth && !exhausted) {
        const items = nextChunk();
        if (items.length > 0) inflight.push(run(items));
      }
      const next = inflight.shift();
      if (!next) break;
      for (const r of await next) {
        if (r instanceof FilteredData) {
          if (!r.replacement) continue;
          pending.push(replace());
        } else pending.push(r);
        if (pending.length === poolSize) {
          for (const b of drain(false)) {
            yield b;
            if (limit !== undefined && ++steps >= limit) return;
          }
        }
      }
    }
  } else {
    const buffer: DataDict[] = [];
    const cap = args.shuffle ? Math.max(1, args.shuffleBuffer) : 1;
    const handle = function* (data: DataDict): Generator<DataDict> {
      const at = pos++;
      let r: FilteredData | undefined;
      try {
        r = runSampleOps(plan.preOps, data, stateFor(at), args.profile);
      } catch (e) {
        if (e instanceof FetsError) throw e.locate({ mode, dsId, index: at });
        throw e;
      }
      if (r) return;
      pending.push(data);
      if (pending.length === poolSize) yield* drain(false);
    };
    /** Takes a random sample out of the shuffle buffer (swap with the last, pop). */
    const draw = (): DataDict => {
      const j = Math.floor(orderRng() * buffer.length);
      const pick = buffer[j]!;
      buffer[j] = buffer[buffer.length - 1]!;
      buffer.pop();
      return pick;
    };
    for (let _pass = 0; ; _pass++) {
      let seen = 0;
      for await (const raw of source.iterate()) {
        seen++;
        // Data-parallel: a stream is dealt round-robin, sample k to rank k mod size.
        if (args.shard && args.shard.size > 1 && (seen - 1) % args.shard.size !== args.shard.rank) continue;
        buffer.push({ ...raw });
        if (buffer.length < cap) continue;
        for (const b of handle(draw())) {
          yield b;
          if (limit !== undefined && ++steps >= limit) return;
        }
      }
      while (buffer.length > 0) {
        for (const b of handle(draw())) {
          yield b;
          if (limit !== undefined && ++steps >= limit) return;
        }
      }
      if (seen === 0)
        throw new PipelineError(`Pipeline: the ${mode} data set${dsId ? ` "${dsId}"` : ''} yielded no samples`, { mode, dsId });
      if (limit === undefined) break;
    }
  }
  if (pending.length > 0) {
    for (const b of drain(true)) {
      yield b;
      if (limit !== undefined && ++steps >= limit) return;
    }
  }
}

/** Length of a sample's value for bucketing: array length, an NDArray's first dimension, a string's length. */
function lengthOf(v: unknown, key: string): number {
  if (v instanceof NDArray) return v.shape[0] ?? 1;
  if (Array.isArray(v) || typeof v === 'string' || ArrayBuffer.isView(v)) return (v as { length: number }).length;
  if (typeof v === 'number') return v;
  throw new PipelineError(
    `Batch: bucketBy key "${key}" has no length (expected an array, NDArray or string, received ${v === undefined ? 'undefined: no op produces it' : typeof v})`,
    { key },
  );
}

/**
 * Sorts a pool of samples by the length of `key` (stable, so ties keep the epoch's order), cuts it into batches of
 * `bs` and shuffles the batches' order (when `rng` is given): similar lengths share a batch, the order stays random.
 */
export function bucketGroups(samples: DataDict[], bs: number, key: string, rng: Rng | undefined): DataDict[][] {
  const lens = samples.map((s) => lengthOf(s[key], key));
  const idx = samples.map((_, i) => i).sort((a, b) => lens[a]! - lens[b]! || a - b);
  const groups: DataDict[][] = [];
  for (let i = 0; i < idx.length; i += bs) groups.push(idx.slice(i, i + bs).map((j) => samples[j]!));
  if (!rng) return groups;
  // Keep a short last batch last, so dropLast and step counts see it where a plain batcher would.
  const full = groups.length > 0 && groups[groups.length - 1]!.length < bs ? groups.slice(0, -1) : groups;
  const tail = full === groups ? [] : [groups[groups.length - 1]!];
  return [...shuffleInPlace(full, rng), ...tail];
}
