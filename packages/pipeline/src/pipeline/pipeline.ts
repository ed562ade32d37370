import { z } from 'zod';
import { Observable } from 'rxjs';
import { checkDsId, MODES, type Mode } from '../core/mode.js';
import type { DataDict } from '../core/op.js';
import { ConfigError, PipelineError } from '../core/errors.js';
import { WorkerPool } from './workerPool.js';
import { parseOptions } from '../core/options.js';
import { Scheduler, resolveScheduled, allScheduledValues, type Schedulable } from '../schedule/scheduler.js';
import { Dataset, IterableDataset, type DataSource } from '../datasets/dataset.js';
import { NumpyOp } from '../ops/numpyOp.js';
import { seededRandom } from '../core/random.js';
import { AsyncQueue } from './asyncQueue.js';
import { checkKeys, makePlan, signatureEpochs, type EpochPlan } from './plan.js';
import { finishBatch, produceBatches, runSampleOps, type OpProfile } from './producer.js';
import { MODE_SEED, mixSeed } from './seeding.js';
import type { Shard } from './shard.js';
import { printBenchmark } from './benchmark.js';
import type { CheckedOps } from '../core/keyGraph.js';
import type { BatchEntries, PipelineSeed } from './batchKeys.js';

const isSource = (v: unknown) => v instanceof Dataset || v instanceof IterableDataset || v instanceof Scheduler;
const sourceSpec = z
  .custom<DataInput>(
    (v) => isSource(v) || (v !== null && typeof v === 'object' && Object.values(v).length > 0 && Object.values(v).every(isSource)),
    'expected a Dataset, an IterableDataset, a Scheduler of them, or {dsId: dataset}',
  )
  .optional();
const scheduledNumber = z.union([
  z.number().int().min(1),
  z.custom<Scheduler<number>>((v) => v instanceof Scheduler, 'expected a Scheduler'),
]);
const schema = z.strictObject({
  /** Training data (shuffled with `seed` each epoch unless `shuffle: false`). */
  trainData: sourceSpec,
  /** Evaluation data. */
  evalData: sourceSpec,
  /** Test data. */
  testData: sourceSpec,
  /** Samples per batch when `ops` has no Batch op: a number, a Scheduler, or one per mode. */
  batchSize: z.union([scheduledNumber, z.partialRecord(z.enum(MODES), scheduledNumber)]).optional(),
  /** Pad value(s) for the implicit batch (ops like BertTokenize declare their own per key). */
  padValue: z.union([z.number(), z.record(z.string(), z.number())]).optional(),
  /** Per-sample ops, optionally a Batch op, then per-batch ops. */
  ops: z
    .array(
      z.custom<Schedulable<NumpyOp>>(
        (v) => v instanceof NumpyOp || v instanceof Scheduler,
        'expected a NumpyOp or a Scheduler of NumpyOps',
      ),
    )
    .default([]),
  /**
   * Worker threads for per-sample ops of map-style data sets (0: this thread). Needs `opsModule`, since op instances
   * cannot cross threads: each worker imports it and calls its `opsExport` function to build the same ops.
   */
  numProcess: z.number().int().min(0).default(0),
  /** Module (path or file URL) exporting a function that returns this Pipeline's `ops` (for worker threads). */
  opsModule: z.union([z.string().min(1), z.instanceof(URL)]).optional(),
  /** Name of that function (default `createOps`). */
  opsExport: z.string().min(1).default('createOps'),
  /** Seed of the shuffle order and of every op's random numbers (default 0). */
  seed: z.number().int().default(0),
  /** Shuffle train data (default true). */
  shuffle: z.boolean().default(true),
  /** Shuffle buffer for streaming data sets (default 1024). */
  shuffleBuffer: z.number().int().min(1).default(1024),
  /** Batches produced ahead of the consumer (default 4): bounds memory. */
  prefetch: z.number().int().min(1).default(4),
});

/** One data source, several keyed by data-set id, or a scheduler of either. */
export type DataInput = Schedulable<DataSource> | Record<string, Schedulable<DataSource>>;

/** Options of {@link Pipeline}. */
export type PipelineOptions = z.input<typeof schema>;

/**
 * Options of {@link Pipeline} as its constructor types them: the data sets' samples and the literal keys of the ops
 * are checked at compile time (each op's inputs against what the data and earlier ops provide, per mode).
 */
export type TypedPipelineOptions<Tr, Ev, Te, Ops> = Omit<PipelineOptions, 'trainData' | 'evalData' | 'testData' | 'ops'> & {
  trainData?: Tr;
  evalData?: Ev;
  testData?: Te;
  ops?: CheckedOps<Ops, PipelineSeed<Tr, Ev, Te>>;
};

/** Where a batch request runs. */
export interface EpochRequest {
  mode: Mode;
  epoch?: number;
  dsId?: string;
  /** Number of batches (cycling the data if it has fewer); default one pass. */
  numSteps?: number;
  /** Shuffle (default: true in train mode when the Pipeline shuffles). */
  shuffle?: boolean;
  /** Data-parallel: this rank's shard of the epoch's order (see {@link Shard}); default all of it. */
  shard?: Shard;
}

/**
 * The data half of fets: turns data sets into batches through per-sample ops, streamed with bounded prefetch.
 * Checks the op graph (every key read is produced upstream) when built.
 *
 * @example
 * const pipeline = new Pipeline({ trainData: train, evalData, batchSize: 32,
 *   ops: [new BertTokenize({ inputs: ['words', 'tags'], outputs: ['x', 'y'], tokenizer, labels })] });
 * for await (const batch of pipeline.batches({ mode: 'train', epoch: 1 })) console.log(batch.x);
 */
export class Pipeline<
  Tr extends DataInput | undefined = DataInput,
  Ev extends DataInput | undefined = DataInput,
  Te extends DataInput | undefined = DataInput,
  const Ops extends readonly Schedulable<NumpyOp>[] = readonly [],
  Batch = BatchEntries<Tr, Ev, Te, Ops>,
> {
  /** Compile time only: the keys of the batch per mode (`[mode, key, value]` entries), read by the Estimator's check. */
  declare readonly '~batch': Batch;
  readonly data: Readonly<Partial<Record<Mode, DataInput>>>;
  readonly ops: readonly Schedulable<NumpyOp>[];
  readonly options: Readonly<Omit<z.output<typeof schema>, 'trainData' | 'evalData' | 'testData' | 'ops'>>;

  constructor(options: TypedPipelineOptions<Tr, Ev, Te, Ops>) {
    const o = parseOptions(new.target.name, schema, options);
    const { trainData, evalData, testData, ops, ...rest } = o;
    this.data = {
      ...(trainData ? { train: trainData } : {}),
      ...(evalData ? { eval: evalData } : {}),
      ...(testData ? { test: testData } : {}),
    };
    this.ops = ops;
    this.options = rest;
    for (const input of Object.values(this.data)) {
      if (!isSource(input)) for (const id of Object.keys(input as object)) checkDsId(id);
    }
    if (rest.numProcess > 0 && !rest.opsModule) {
      throw new ConfigError(
        'Pipeline',
        [],
        'Pipeline: numProcess > 0 needs opsModule: worker threads cannot receive op instances; ' +
          'point opsModule at a module exporting `createOps()` that returns the same ops list (received numProcess ' +
          rest.numProcess +
          ', no opsModule)',
      );
    }
    this.checkGraph();
  }

  private pool: WorkerPool | undefined;

  /** The worker pool (created on first use when numProcess > 0). */
  private processor(batchSize: number): WorkerPool | undefined {
    const { numProcess, opsModule, opsExport } = this.options;
    if (numProcess === 0 || !opsModule) return undefined;
    this.pool ??= new WorkerPool(numProcess, opsModule instanceof URL ? opsModule.href : opsModule, opsExport, batchSize);
    return this.pool;
  }

  /** Stops worker threads, if any (they also stop on their own when idle). */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }

  /** Modes that have data. */
  get modes(): Mode[] {
    return (Object.keys(this.data) as Mode[]).filter((m) => this.data[m] !== undefined);
  }

  /** Data-set ids of a mode ('' for a single data set). */
  dsIds(mode: Mode): string[] {
    const input = this.data[mode];
    if (input === undefined) return [];
    return isSource(input) ? [''] : Object.keys(input);
  }

  /** The data source of a mode/dsId at an epoch (null when a scheduler gives none). */
  source(mode: Mode, epoch = 1, dsId = ''): DataSource | null {
    const input = this.data[mode];
    if (input === undefined) return null;
    const entry = isSource(input) ? (input as Schedulable<DataSource>) : (input as Record<string, Schedulable<DataSource>>)[dsId];
    if (entry === undefined) {
      throw new PipelineError(`Pipeline: no ${mode} data set with dsId "${dsId}" (have: ${this.dsIds(mode).join(', ')})`, { mode, dsId });
    }
    return resolveScheduled(entry, epoch);
  }

  /** The ops plan for a mode/epoch/dsId. */
  plan(mode: Mode, epoch = 1, dsId = ''): EpochPlan {
    return makePlan(this.ops, { mode, epoch, dsId }, { batchSize: this.options.batchSize, padValue: this.options.padValue });
  }

  /** Keys a batch of this mode/epoch/dsId holds (data-set keys plus op outputs); undefined if the source does not declare them. */
  outputKeys(mode: Mode, epoch = 1, dsId = ''): string[] | undefined {
    const src = this.source(mode, epoch, dsId);
    if (!src) return undefined;
    const keys = src.keys();
    if (keys === undefined) return undefined;
    return checkKeys(this.plan(mode, epoch, dsId), keys, { mode, epoch, dsId, sourceName: `${mode} data` });
  }

  /**
   * Runs every op's data check ({@link NumpyOp.checkData}: e.g. BertTokenize's tags against its labels) on the whole
   * data set of each mode (default: every mode with data) and data-set id, before any step. Streaming data sets are
   * not scanned.
   *
   * @example
   * pipeline.checkData(); // OpError: BertTokenize (key "tags"): tag "B-Y" (word 0) is not in labels … [sample 3 of the test data, test.tsv:17]
   */
  checkData(modes: readonly Mode[] = this.modes): void {
    for (const mode of modes) {
      if (!this.modes.includes(mode)) continue;
      for (const dsId of this.dsIds(mode)) {
        const source = this.source(mode, 1, dsId);
        if (!(source instanceof Dataset)) continue;
        const plan = this.plan(mode, 1, dsId);
        for (const op of plan.preOps) op.checkData(source, { mode, dsId });
      }
    }
  }

  /** Checks every mode × dsId × signature epoch: each op input is produced upstream. Throws a PipelineError. */
  checkGraph(): void {
    const epochs = signatureEpochs([
      ...this.ops,
      ...Object.values(this.data).flatMap((d) => (isSource(d) ? [d] : Object.values(d as object))),
    ]);
    for (const mode of this.modes) {
      for (const dsId of this.dsIds(mode)) {
        for (const epoch of epochs) this.outputKeys(mode, epoch, dsId);
      }
    }
  }

  /**
   * One epoch of batches for a mode (one dsId), as an async iterable with bounded prefetch: the producer works at most
   * `prefetch` batches ahead of the consumer.
   */
  batches(req: EpochRequest, profile?: OpProfile): AsyncIterable<DataDict> {
    const { mode, epoch = 1, dsId = this.dsIds(req.mode)[0] ?? '' } = req;
    const source = this.source(mode, epoch, dsId);
    if (!source) return (async function* () {})();
    const plan = this.plan(mode, epoch, dsId);
    const gen = produceBatches({
      plan,
      processor: profile ? undefined : this.processor(plan.batch?.batchSize ?? 1),
      source,
      mode,
      epoch,
      dsId,
      seed: this.options.seed,
      shuffle: req.shuffle ?? (mode === 'train' && this.options.shuffle),
      shuffleBuffer: this.options.shuffleBuffer,
      numSteps: req.numSteps,
      profile,
      shard: req.shard,
    });
    return prefetched(gen, this.options.prefetch);
  }

  /** The same batches as an rxjs Observable (cold; each subscription runs the epoch). */
  stream(req: EpochRequest): Observable<DataDict> {
    return new Observable<DataDict>((subscriber) => {
      let stopped = false;
      const it = this.batches(req)[Symbol.asyncIterator]();
      (async () => {
        try {
          for (;;) {
            const r = await it.next();
            if (r.done || stopped) break;
            subscriber.next(r.value);
          }
          subscriber.complete();
        } catch (e) {
          subscriber.error(e);
        } finally {
          await it.return?.();
        }
      })();
      return () => {
        stopped = true;
      };
    });
  }

  /**
   * Runs the ops of `mode` on a single sample and returns a batch of one (inference), e.g.
   * `pipeline.transform({ words: ['the', 'dark', 'knight'] }, 'infer')`.
   */
  transform(data: DataDict, mode: Mode = 'infer', where: { epoch?: number; dsId?: string } = {}): DataDict {
    return this.transformBatch([data], mode, where);
  }

  /**
   * {@link transform} for several samples at once: each runs the per-sample ops, then they form one batch (padded to
   * the longest) and the batch ops run. For inference on many inputs (`fets predict`): one Network call per batch.
   *
   * @example
   * const batch = pipeline.transformBatch([{ words: ['a', 'film'] }, { words: ['tom', 'hanks', 'films'] }], 'infer');
   */
  transformBatch(samples: readonly DataDict[], mode: Mode = 'infer', where: { epoch?: number; dsId?: string } = {}): DataDict {
    const { epoch = 1, dsId = '' } = where;
    if (samples.length === 0) throw new PipelineError('Pipeline.transform: expected at least one sample', { mode });
    const one = samples.length === 1;
    const plan = this.plan(mode, epoch, dsId);
    const state = { mode, epoch, dsId, random: seededRandom(mixSeed(this.options.seed, epoch, MODE_SEED[mode], 0)) };
    const out = samples.map((data, i) => {
      checkKeys(plan, Object.keys(data), { mode, epoch, dsId, sourceName: one ? 'the input' : `input ${i}` });
      const sample = { ...data };
      if (runSampleOps(plan.preOps, sample, state)) {
        const which = one ? 'the sample' : `input ${i}`;
        throw new PipelineError(`Pipeline.transform: ${which} was filtered out by an op in mode "${mode}"`, { mode });
      }
      return sample;
    });
    const batch = finishBatch({ plan, profile: undefined }, out, state);
    if (!batch)
      throw new PipelineError(`Pipeline.transformBatch: the batch was filtered out by a post-batch op in mode "${mode}"`, { mode });
    return batch;
  }

  /** The first `numSteps` batches of a mode (FE's get_results): one batch when numSteps is 1, else a list. */
  async getResults(
    req: { mode?: Mode; numSteps?: number; epoch?: number; dsId?: string; shuffle?: boolean } = {},
  ): Promise<DataDict | DataDict[]> {
    const { mode = 'train', numSteps = 1, epoch = 1, shuffle = false } = req;
    const out: DataDict[] = [];
    for await (const b of this.batches({ mode, epoch, numSteps, shuffle, ...(req.dsId !== undefined ? { dsId: req.dsId } : {}) })) {
      out.push(b);
      if (out.length >= numSteps) break;
    }
    return numSteps === 1 ? out[0]! : out;
  }

  /**
   * Times the pipeline alone for `numSteps` batches and prints steps/sec and FE's per-op table (op, inputs, outputs,
   * ms per visit, visits, share of time). Returns the figures.
   */
  async benchmark(req: { mode?: Mode; numSteps?: number; epoch?: number; dsId?: string; log?: (line: string) => void } = {}) {
    const { mode = 'train', numSteps = 100, epoch = 1 } = req;
    const profile: OpProfile = new Map();
    const t0 = performance.now();
    let steps = 0;
    let samples = 0;
    for await (const b of this.batches({ mode, epoch, numSteps, ...(req.dsId !== undefined ? { dsId: req.dsId } : {}) }, profile)) {
      steps++;
      const first = Object.values(b)[0] as { shape?: number[]; length?: number } | undefined;
      samples += first?.shape?.[0] ?? first?.length ?? 0;
    }
    const seconds = (performance.now() - t0) / 1000;
    return printBenchmark({ mode, steps, samples, seconds, profile, log: req.log ?? ((l) => console.log(l)) });
  }

  /** All ops the Pipeline may run (every scheduler value). */
  allOps(): NumpyOp[] {
    return this.ops.flatMap((op) => allScheduledValues(op));
  }
}

/** Drives an async generator into a bounded queue so production runs ahead of consumption by at most `capacity`. */
export function prefetched<T>(gen: AsyncGenerator<T>, capacity: number): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const q = new AsyncQueue<T>(capacity);
      let started = false;
      const start = () => {
        started = true;
        void (async () => {
          try {
            for await (const item of gen) {
              if (!(await q.push(item))) break;
              await new Promise<void>((r) => setImmediate(r));
            }
            q.close();
          } catch (e) {
            q.fail(e);
          } finally {
            await gen.return(undefined);
          }
        })();
      };
      return {
        next: () => {
          if (!started) start();
          return q.shift() as Promise<IteratorResult<T>>;
        },
        return: async () => {
          q.close();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
