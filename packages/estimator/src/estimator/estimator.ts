import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { getBackendInfo, getWorld, initBackend } from '@fets/network';
import {
  FetsError,
  Pipeline,
  Scheduler,
  getCurrentItems,
  shardLength,
  parseOptions,
  type DataDict,
  type Mode,
  type NetworkProblem,
  type Schedulable,
  type Shard,
} from '@fets/pipeline';
import type { BatchOf, CheckedTraces } from '../core/traceKeys.js';
import { Data } from '../core/data.js';
import { System } from '../core/system.js';
import { Trace, type TraceHook } from '../core/trace.js';
import { sortTraces } from '../core/sortTraces.js';
import { byOrder } from '../core/traceOrder.js';
import { Summary } from '../summary/summary.js';
import { Logger } from '../traces/io/logger.js';
import type { RestoreWizard } from '../traces/io/restoreWizard.js';
import { EvalEssential, TrainEssential } from '../traces/io/essentials.js';
import type { NetworkLike } from '../core/networkLike.js';
import { INTERRUPT_EXIT_CODE, InterruptWatch, TrainingInterruptedError } from './interrupt.js';
import { timedBatches } from './timedBatches.js';
import { lockstep } from '../distributed/lockstep.js';
import { reduceTraces } from '../distributed/rankReducible.js';
import { globalBatchLine, mergeGradOf } from '../distributed/globalBatch.js';

/** Data-parallel: this rank's shard of a mode's epoch (training pads to equal shards), or undefined in one process. */
function shardFor(mode: Mode): Shard | undefined {
  const world = getWorld();
  return world.size > 1 ? { rank: world.rank, size: world.size, pad: mode === 'train' } : undefined;
}

const isNetwork = (v: unknown): v is NetworkLike =>
  !!v && typeof v === 'object' && typeof (v as NetworkLike).runStep === 'function' && typeof (v as NetworkLike).requiredKeys === 'function';

const schema = z.strictObject({
  pipeline: z.custom<Pipeline>((v) => v instanceof Pipeline, 'expected a Pipeline'),
  network: z.custom<NetworkLike>(isNetwork, 'expected a Network'),
  epochs: z.number().int().min(1),
  trainStepsPerEpoch: z.number().int().min(1).optional(),
  evalStepsPerEpoch: z.number().int().min(1).optional(),
  traces: z
    .array(z.custom<Schedulable<Trace>>((v) => v instanceof Trace || v instanceof Scheduler, 'expected a Trace or a Scheduler of Traces'))
    .default([]),
  logSteps: z.number().int().min(0).default(100),
  monitorNames: z.union([z.string(), z.array(z.string())]).optional(),
  name: z.string().min(1).default('experiment'),
});

/** Options of {@link Estimator}. */
export type EstimatorOptions = z.input<typeof schema>;

/**
 * Options of {@link Estimator} as its constructor types them: the Network's reads are checked against the Pipeline's
 * batch, and every trace's against the batch, the Network's outputs and the traces' outputs, per mode.
 */
export type TypedEstimatorOptions<P, N, Ts> = Omit<EstimatorOptions, 'pipeline' | 'network' | 'traces'> & {
  pipeline: P;
  network: [NetworkProblem<N, BatchOf<P>>] extends [never] ? N : NetworkProblem<N, BatchOf<P>>;
  traces?: CheckedTraces<Ts, BatchOf<P>, N>;
};

/** Picks a backend with initBackend() unless the user already chose one (initBackend or tf.setBackend). */
async function ensureBackend(): Promise<void> {
  if (getBackendInfo() || tf.engine().backendName) return;
  await initBackend();
}

/** The Estimator's configuration is inconsistent (checked before any training step). */
export class EstimatorError extends FetsError {}

/**
 * Drives a Pipeline and a Network through epochs and fires Traces, in FastEstimator's order: `onBegin` → per epoch:
 * train (`onEpochBegin` → per batch `onBatchBegin` → network step → `onBatchEnd` → `onEpochEnd`), then eval the same
 * way → `onEnd`. `fit()` and `test()` return the run's `Summary`.
 *
 * @example
 * const estimator = new Estimator({ pipeline, network, epochs: 3, traces: [new Accuracy({ trueKey: 'y', predKey: 'yPred' })] });
 * const summary = await estimator.fit();
 */
export class Estimator<
  P extends Pipeline = Pipeline,
  N extends NetworkLike = NetworkLike,
  const Ts extends readonly Schedulable<Trace>[] = readonly Schedulable<Trace>[],
> {
  readonly pipeline: Pipeline;
  readonly network: NetworkLike;
  readonly epochs: number;
  readonly traces: readonly Schedulable<Trace>[];
  readonly options: Readonly<z.output<typeof schema>>;
  /** The loop state of the current or last run. */
  system: System;

  constructor(options: TypedEstimatorOptions<P, N, Ts>) {
    const o = parseOptions(new.target.name, schema, options);
    this.options = o;
    this.pipeline = o.pipeline;
    this.network = o.network;
    this.epochs = o.epochs;
    this.traces = o.traces;
    this.system = this.newSystem(o.name);
  }

  private newSystem(name: string): System {
    const o = this.options;
    const system = new System(
      {
        totalEpochs: o.epochs,
        logSteps: o.logSteps,
        trainStepsPerEpoch: o.trainStepsPerEpoch,
        evalStepsPerEpoch: o.evalStepsPerEpoch,
        experimentName: name,
      },
      new Summary(name),
    );
    system.network = this.network;
    return system;
  }

  /** Keys monitored by the essential traces: `monitorNames` plus every loss key. */
  monitorNames(mode: Mode, epoch: number): string[] {
    const extra = typeof this.options.monitorNames === 'string' ? [this.options.monitorNames] : (this.options.monitorNames ?? []);
    return [...new Set([...this.network.lossKeys(mode, epoch), ...extra])];
  }

  /** The user's traces plus the essential ones and a Logger (unless the user gave one), for a mode/epoch/dsId. */
  activeTraces(mode: Mode, epoch: number, dsId = ''): Trace[] {
    const user = getCurrentItems(this.traces, { mode, epoch, dsId });
    const monitors = this.monitorNames(mode, epoch);
    const ess: Trace[] =
      mode === 'train' ? [new TrainEssential(monitors, () => this.network.learningRates())] : [new EvalEssential(monitors)];
    const logger = user.find((t) => t.order === 'log') ?? this.defaultLogger;
    return byOrder([...ess, ...user.filter((t) => t.order !== 'log'), logger]);
  }
  private readonly defaultLogger = new Logger();
  private essentialsCache = new Map<string, Trace[]>();

  /** Traces for a mode/epoch/dsId, sorted by their dependencies (cached so essential traces keep their state). */
  private tracesFor(mode: Mode, epoch: number, dsId: string): Trace[] {
    const key = `${mode}|${epoch}|${dsId}`;
    let t = this.essentialsCache.get(key);
    if (!t) {
      const available = this.availableKeys(mode, epoch, dsId);
      t = sortTraces(this.activeTraces(mode, epoch, dsId), available, ` in mode "${mode}"${dsId ? ` (dsId "${dsId}")` : ''}`);
      // Essential traces keep per-run state: reuse the same instances across epochs of a mode.
      const prev = [...this.essentialsCache.entries()].find(([k]) => k.startsWith(`${mode}|`) && k.endsWith(`|${dsId}`))?.[1];
      if (prev) t = t.map((x) => (x.order === 'essential' ? (prev.find((p) => p.constructor === x.constructor) ?? x) : x));
      this.essentialsCache.set(key, t);
    }
    return t;
  }

  /** Keys a trace can read in a mode: the batch keys plus what the Network produces. */
  availableKeys(mode: Mode, epoch: number, dsId: string): string[] {
    const pkeys = this.pipeline.outputKeys(mode, epoch, dsId) ?? this.network.requiredKeys(mode, epoch);
    return [...new Set([...pkeys, ...this.network.producedKeys(mode, epoch)])];
  }

  /** Checks Pipeline → Network → Traces keys for every mode to run, before any step. */
  checkGraph(modes: Mode[]): void {
    for (const mode of modes) {
      for (const dsId of this.pipeline.dsIds(mode)) {
        const epochs = mode === 'test' ? [1] : Array.from({ length: Math.min(this.epochs, 16) }, (_, i) => i + 1);
        for (const epoch of epochs) {
          const pkeys = this.pipeline.outputKeys(mode, epoch, dsId);
          if (pkeys) this.network.checkGraph(pkeys, mode, epoch);
          this.tracesFor(mode, epoch, dsId);
        }
      }
    }
  }

  private fetchKeys(traces: readonly Trace[], mode: Mode, epoch: number): string[] {
    const keys = new Set<string>(this.monitorNames(mode, epoch));
    for (const t of traces) for (const k of t.batchInputs()) keys.add(k);
    return [...keys];
  }

  private async fire(traces: readonly Trace[], hook: TraceHook, batch: DataDict = {}): Promise<Data> {
    const data = new Data(batch);
    const world = getWorld();
    // Data-parallel: every rank's traces see the whole split's figures at the epoch end.
    if (hook === 'onEpochEnd') reduceTraces(world, traces);
    for (const t of traces) {
      if (!world.isChief && t.chiefOnly) continue;
      t.system = this.system;
      await t[hook](data);
    }
    const s = this.system;
    const recordMode: Mode = s.mode;
    for (const [k, v] of data.logs) s.summary.record(recordMode, k, s.globalStep, v);
    return data;
  }

  /** One batch through Pipeline and Network per mode, without updating weights: catches key and shape errors early. */
  async warmup(modes: Mode[]): Promise<void> {
    for (const mode of modes) {
      for (const dsId of this.pipeline.dsIds(mode)) {
        const it = this.pipeline.batches({ mode, epoch: 1, dsId, numSteps: 1, shard: shardFor(mode) })[Symbol.asyncIterator]();
        const r = await it.next();
        await it.return?.();
        if (r.done) continue;
        const fetch = this.fetchKeys(this.tracesFor(mode, 1, dsId), mode, 1);
        await this.network.runStep(r.value, { mode, epoch: 1, warmup: true }, fetch);
      }
    }
  }

  private readonly interrupt = new InterruptWatch();
  /** Training batches run (or skipped on resume) in the current epoch: what a mid-epoch checkpoint records. */
  private trainBatchesDone = 0;

  /**
   * Trains for `epochs` (evaluating after each when there is eval data) and returns the Summary.
   * `warmup` (default true) first runs one batch per mode without updating weights.
   *
   * Ctrl+C (SIGINT) while it runs: the current step finishes, each RestoreWizard writes a resumable mid-epoch
   * checkpoint, and the process exits with status 130 (unless the application listens for SIGINT itself: then fit
   * rejects with a TrainingInterruptedError). A second SIGINT exits at once. The handler is removed when fit ends.
   * Running the same script again resumes from the checkpoint, skipping the batches of the epoch already trained.
   */
  async fit(options: { summary?: string; warmup?: boolean } = {}): Promise<Summary> {
    this.interrupt.start();
    try {
      return await this.fitWatched(options);
    } finally {
      this.interrupt.stop();
    }
  }

  private async fitWatched(options: { summary?: string; warmup?: boolean }): Promise<Summary> {
    const modes = this.pipeline.modes.filter((m) => m === 'train' || m === 'eval');
    if (!modes.includes('train')) throw new EstimatorError('Estimator.fit: the Pipeline has no trainData');
    await ensureBackend();
    this.system = this.newSystem(options.summary ?? this.options.name);
    const perEpoch = this.options.trainStepsPerEpoch ?? this.epochLength('train', 1, '');
    this.system.update((d) => {
      d.trainStepsPerEpoch = perEpoch;
      d.hasEval = modes.includes('eval');
    });
    this.essentialsCache.clear();
    this.checkGraph(modes);
    // Every split's data is checked before step 1 (the test split too: a tag it alone holds must not surface only
    // after training). Data-parallel: rank 0 checks (its error is printed once; the others wait at the barrier).
    const world = getWorld();
    if (world.isChief) this.pipeline.checkData(this.pipeline.modes.filter((m) => m !== 'infer'));
    world.barrier();
    if (world.size > 1 && world.isChief) {
      const perRank = this.pipeline.plan('train', 1, '').batch?.batchSize ?? 1;
      process.stderr.write(`${globalBatchLine(world, perRank, mergeGradOf(this.network))}\n`);
    }
    if (options.warmup ?? true) await this.warmup(modes);
    const all = this.allTraces();
    const wizards = all.filter((t) => t.order === 'checkpoint') as RestoreWizard[];
    for (const w of wizards) w.setTraces(all);
    await this.fireOnce(byOrder(all, 'onBegin'), 'onBegin', 'train');
    const startEpoch = this.system.epoch + 1;
    const resumeBatches = wizards[0]?.resumeBatches ?? 0;
    this.trainBatchesDone = 0;
    if (this.interrupt.requested) return this.stopOnInterrupt(wizards, startEpoch);
    for (let epoch = startEpoch; epoch <= this.epochs; epoch++) {
      this.system.update((d) => {
        d.epoch = epoch;
      });
      await this.runEpoch('train', epoch, this.options.trainStepsPerEpoch, '', epoch === startEpoch ? resumeBatches : 0);
      if (this.interrupt.requested) return this.stopOnInterrupt(wizards, epoch);
      if (modes.includes('eval')) await this.runEpochs('eval', epoch, this.options.evalStepsPerEpoch);
      if (this.interrupt.requested) return this.stopOnInterrupt(wizards, epoch);
      if (this.system.stopTraining) break;
    }
    await this.fireOnce(all, 'onEnd', 'train');
    return this.system.summary;
  }

  /**
   * Ends an interrupted fit: each RestoreWizard writes a mid-epoch checkpoint (`epoch - 1` whole epochs plus the
   * batches of `epoch` already trained), then the process exits with status 130, or, when the application listens
   * for SIGINT itself, a TrainingInterruptedError is thrown.
   */
  private async stopOnInterrupt(wizards: readonly RestoreWizard[], epoch: number): Promise<never> {
    const s = this.system;
    let checkpoint: string | undefined;
    for (const w of wizards) checkpoint = (await w.saveInterrupted(epoch - 1, this.trainBatchesDone)) ?? checkpoint;
    const hint = wizards.find((w) => w.resumeHint)?.resumeHint;
    const saved = checkpoint
      ? `checkpoint saved to ${checkpoint}; ${hint ? `resume with: ${hint}` : 'run again to resume'}`
      : wizards.length > 0
        ? 'nothing was trained since the last checkpoint; run again to resume from it'
        : 'no RestoreWizard, so nothing was saved';
    const error = new TrainingInterruptedError('SIGINT', s.epoch, s.globalStep, s.mode, checkpoint, saved);
    process.stderr.write(`FastEstimator: ${error.message.replace(/^Estimator\.fit: /, '')}\n`);
    if (this.interrupt.othersListen()) throw error;
    process.exit(INTERRUPT_EXIT_CODE);
  }

  /** Runs one test epoch (every test data set) and returns the Summary (appended to the fit's, if any). */
  async test(options: { summary?: string } = {}): Promise<Summary> {
    if (!this.pipeline.modes.includes('test')) throw new EstimatorError('Estimator.test: the Pipeline has no testData');
    await ensureBackend();
    if (options.summary) this.system = this.newSystem(options.summary);
    this.checkGraph(['test']);
    this.pipeline.checkData(['test']);
    const epoch = Math.max(1, this.system.epoch);
    this.system.update((d) => {
      d.mode = 'test';
      d.epoch = epoch;
    });
    const all = this.allTraces(['test']);
    await this.fireOnce(all, 'onBegin', 'test');
    await this.runEpochs('test', epoch, undefined);
    await this.fireOnce(all, 'onEnd', 'test');
    return this.system.summary;
  }

  private allTraces(modes: Mode[] = ['train', 'eval']): Trace[] {
    const set: Trace[] = [];
    for (const mode of modes) {
      if (!this.pipeline.modes.includes(mode)) continue;
      for (const dsId of this.pipeline.dsIds(mode)) {
        for (const t of this.tracesFor(mode, Math.max(1, this.system.epoch), dsId)) if (!set.includes(t)) set.push(t);
      }
    }
    // Keep the Logger last so it prints what every other trace wrote.
    return [...set.filter((t) => t.order !== 'log'), ...set.filter((t) => t.order === 'log')];
  }

  private async fireOnce(traces: Trace[], hook: 'onBegin' | 'onEnd', mode: Mode): Promise<void> {
    this.system.update((d) => {
      d.mode = mode;
    });
    await this.fire(traces, hook);
  }

  private async runEpochs(mode: Mode, epoch: number, numSteps: number | undefined): Promise<void> {
    for (const dsId of this.pipeline.dsIds(mode)) {
      this.system.update((d) => {
        d.dsId = dsId;
      });
      await this.runEpoch(mode, epoch, numSteps, dsId);
      if (this.interrupt.requested) break;
    }
    this.system.update((d) => {
      d.dsId = '';
    });
  }

  /**
   * One epoch of a mode. `skip`: batches to draw from the Pipeline and discard first (already trained before a
   * restart). Returns without `onEpochEnd` when interrupted: the epoch did not finish.
   */
  private async runEpoch(mode: Mode, epoch: number, numSteps: number | undefined, dsId = '', skip = 0): Promise<void> {
    this.system.update((d) => {
      d.mode = mode;
      d.batchIdx = 0;
      d.dataWaitMs = 0;
    });
    const traces = this.tracesFor(mode, epoch, dsId);
    const fetch = this.fetchKeys(traces, mode, epoch);
    const epochSteps = numSteps ?? this.epochLength(mode, epoch, dsId);
    for (const t of traces) t.setEpochSteps(epochSteps);
    await this.fire(traces, 'onEpochBegin');
    let idx = 0;
    let waited = 0;
    if (mode === 'train') this.trainBatchesDone = 0;
    // With a TerminateOnNaN watching, a non-finite loss skips its update (weights stay finite) and that trace stops.
    const step = { mode, epoch, warmup: false, ...(traces.some((t) => t.skipsNonFinite) ? { skipNonFinite: true } : {}) };
    const shard = shardFor(mode);
    const drawn = this.pipeline.batches({ mode, epoch, dsId, shard, ...(numSteps !== undefined ? { numSteps } : {}) });
    // Training ranks step together (each step ends in a gradient allreduce); eval and test shards may be uneven.
    const batches = mode === 'train' ? lockstep(getWorld(), drawn) : drawn;
    for await (const batch of timedBatches(batches, (ms) => (waited += ms))) {
      if (idx < skip) {
        idx++;
        if (mode === 'train') this.trainBatchesDone = idx;
        if (this.interrupt.requested) return;
        continue;
      }
      this.system.update((d) => {
        d.batchIdx = idx;
        d.dataWaitMs = waited;
        if (mode === 'train') d.globalStep += 1;
      });
      await this.fire(traces, 'onBatchBegin', batch);
      const out = await this.network.runStep(batch, step, fetch);
      await this.fire(traces, 'onBatchEnd', { ...batch, ...out });
      idx++;
      if (mode === 'train') this.trainBatchesDone = idx;
      if (this.interrupt.requested) return;
      if (mode === 'train' && this.system.stopTraining) break;
    }
    this.system.update((d) => {
      d.dataWaitMs = waited;
    });
    await this.fire(traces, 'onEpochEnd');
  }

  private epochLength(mode: Mode, epoch: number, dsId: string): number | undefined {
    const src = this.pipeline.source(mode, epoch, dsId);
    const n = src?.length === undefined ? undefined : shardLength(src.length, shardFor(mode));
    const batch = this.pipeline.plan(mode, epoch, dsId).batch;
    if (n === undefined || !batch) return undefined;
    return batch.dropLast ? Math.floor(n / batch.batchSize) : Math.ceil(n / batch.batchSize);
  }

  /** The Summary of the current or last run. */
  getSummary(): Summary {
    return this.system.summary;
  }
}
