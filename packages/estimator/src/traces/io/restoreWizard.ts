import fsp from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import {
  WeightsMismatchError,
  getAllOptimizers,
  getModelName,
  namedVariables,
  parseSafetensors,
  serializeSafetensors,
  type Model,
} from '@fets/network';
import { Trace } from '../../core/trace.js';
import { TerminateOnNaN } from '../adapt/terminateOnNaN.js';
import type { Data } from '../../core/data.js';
import { getRandomState, setRandomState } from '../../core/deterministic.js';
import { Summary } from '../../summary/summary.js';
import { checkWritable, safeFileName } from './fileSafety.js';
import { CheckpointError, CheckpointStore, type CheckpointManifest } from './checkpointStore.js';
import { loadModelWeights, nonFiniteWeight, serializeModelWeights } from './modelWeights.js';
import type { QuietSig } from '../../core/traceKeys.js';

const schema = z.strictObject({
  /** Folder of the checkpoints (created if missing; checked writable at construction). */
  directory: z.string().min(1),
  /** Write a checkpoint every this many epochs (and on Ctrl+C). */
  frequency: z.number().int().min(1).default(1),
  /**
   * Checkpoints kept (older ones are removed once a newer one is complete). Default 2: when the newest is damaged (a
   * file's SHA-256 differs from its manifest), the run resumes from the one before.
   */
  keep: z.number().int().min(1).default(2),
  /**
   * Continue from the newest checkpoint in `directory` when there is one (default). False starts fresh; the new run's
   * checkpoints then replace the old ones (Hugging Face's `resume_from_checkpoint`, off).
   */
  resume: z.boolean().default(true),
  /** How to resume, shown when Ctrl+C saves a checkpoint (e.g. `npm run ner -- … --resume`). */
  resumeHint: z.string().min(1).optional(),
});

/** Options of {@link RestoreWizard}. */
export type RestoreWizardOptions = z.input<typeof schema>;

/** A trace whose own progress must survive a restart (counters, best values) implements this. */
export interface StatefulTrace {
  getState(): unknown;
  setState(state: unknown): void;
}

/**
 * Periodic full-state checkpoints so a killed run resumes where it stopped (FastEstimator's RestoreWizard): every
 * `frequency` epochs (after evaluation) it saves each model's weights, each optimizer's state, the loop state (epoch,
 * step, history), the deterministic random state and the state of traces that have one. On `fit()`, if `directory`
 * holds a checkpoint, the run continues from it; the data order is a function of (seed, epoch), so it repeats too.
 * Checkpoints are written to a temporary folder, fsynced and renamed, then `latest` is switched atomically: a kill at
 * any moment leaves the previous checkpoint whole; a failed write (disk full, directory gone) is a SaveError, removes
 * its temporary folder and leaves `latest` on the previous checkpoint. Temporary folders left by a killed process are
 * removed at the next start. A model whose weights hold NaN/±Inf is never checkpointed (a notice is printed). Each
 * manifest records the SHA-256 of every file; a resume checks them, and when the newest checkpoint is damaged it
 * resumes from the previous one (two are kept) and says so. On an interrupt (SIGINT) the Estimator asks for a
 * mid-epoch checkpoint, which records how many batches of the epoch were trained; the resumed run replays the data
 * order and skips them.
 *
 * @example
 * new Estimator({ pipeline, network, epochs: 10, traces: [new RestoreWizard({ directory: 'runs/ner/restore' })] });
 */
export class RestoreWizard extends Trace {
  override readonly order = 'checkpoint';
  declare readonly '~sig': QuietSig;
  readonly directory: string;
  readonly frequency: number;
  readonly keep: number;
  /** Whether `onBegin` restores the newest checkpoint. */
  readonly resume: boolean;
  /** How to resume (printed after an interrupt), if given. */
  readonly resumeHint: string | undefined;
  /** Epoch restored from (0: started fresh). */
  restoredEpoch = 0;
  /** Batches of the epoch after `restoredEpoch` that the restored checkpoint had already trained (0: none). */
  resumeBatches = 0;
  /** Global step of the checkpoint last written or restored (-1: none). */
  savedStep = -1;
  private traces: Trace[] = [];
  private readonly store: CheckpointStore;

  constructor(options: RestoreWizardOptions) {
    const o = parseOptions(new.target.name, schema, options);
    super({ mode: ['train', 'eval'] });
    this.directory = o.directory;
    this.frequency = o.frequency;
    this.keep = o.keep;
    this.resume = o.resume;
    this.resumeHint = o.resumeHint;
    checkWritable(o.directory, 'RestoreWizard', 'directory');
    this.store = new CheckpointStore(o.directory, 'RestoreWizard');
  }

  /** @internal The Estimator hands over the traces whose state is saved with the checkpoint. */
  setTraces(traces: readonly Trace[]): void {
    this.traces = traces.filter((t) => t !== this);
  }

  private models(): Model[] {
    const models = this.system.network?.models;
    if (!models) throw new CheckpointError("RestoreWizard: the Estimator's network has no models to checkpoint");
    return [...models];
  }

  private statefulTraces(): Map<string, StatefulTrace> {
    const out = new Map<string, StatefulTrace>();
    const counts = new Map<string, number>();
    for (const t of this.traces) {
      const s = t as unknown as Partial<StatefulTrace>;
      if (typeof s.getState !== 'function' || typeof s.setState !== 'function') continue;
      const n = counts.get(t.name) ?? 0;
      counts.set(t.name, n + 1);
      out.set(`${t.name}#${n}`, s as StatefulTrace);
    }
    return out;
  }

  override async onBegin(): Promise<void> {
    this.restoredEpoch = 0;
    this.resumeBatches = 0;
    this.savedStep = -1;
    // Data-parallel: rank 0 alone cleans up (the ranks may share the directory).
    for (const p of this.system.world.isChief ? await this.store.removeStale() : []) {
      process.stderr.write(`FastEstimator-RestoreWizard: removed ${p}, an unfinished checkpoint of an interrupted save\n`);
    }
    if (!this.store.hasLatest()) return;
    if (!this.resume) {
      process.stderr.write(
        `FastEstimator-RestoreWizard: starting fresh; the checkpoints in ${this.directory} will be replaced (resume instead: ${this.resumeHint ?? 'resume: true'})\n`,
      );
      return;
    }
    const found = await this.store.latest((named, used, why) =>
      process.stderr.write(
        `FastEstimator-RestoreWizard: checkpoint "${named}" named by ${this.store.latestFile} is ${why}; using ${used}\n`,
      ),
    );
    if (!found) return;
    const { dir, manifest: m } = found;
    const ranks = m.worldSize ?? 1;
    if ((m.skipBatches ?? 0) > 0 && ranks !== this.system.world.size) {
      throw new CheckpointError(
        `RestoreWizard: checkpoint ${dir} was taken mid-epoch by ${ranks} rank(s) (its ${m.skipBatches} batches are per rank); resume it with ${ranks} rank(s), or delete it to resume from the epoch-end checkpoint before it`,
      );
    }
    const models = this.models();
    for (const saved of m.models) {
      const model = models.find((x) => getModelName(x) === saved.name);
      if (!model) {
        throw new CheckpointError(
          `RestoreWizard: checkpoint ${dir} holds model "${saved.name}", the Network has ${models.map((x) => `"${getModelName(x)}"`).join(', ')}`,
        );
      }
      // A checkpoint is of this very model: weights the model does not have mean another architecture.
      const unused = loadModelWeights(model, path.join(dir, saved.weights));
      if (unused.length > 0) {
        throw new WeightsMismatchError(path.join(dir, saved.weights), saved.name, namedVariables(model).size, [], unused);
      }
      const opts = getAllOptimizers(model);
      for (let i = 0; i < saved.optimizers.length && i < opts.length; i++) {
        const { file, order } = saved.optimizers[i]!;
        const parsed = parseSafetensors(new Uint8Array(await fsp.readFile(path.join(dir, file))), path.join(dir, file));
        const named = order.map((n) => {
          const t = parsed.tensors.get(n);
          if (!t) throw new CheckpointError(`RestoreWizard: ${file} lacks optimizer weight "${n}"`);
          return { name: n, tensor: tf.tensor(Float32Array.from(t.data as ArrayLike<number>), [...t.shape]) };
        });
        await opts[i]!.setWeights(named);
        named.forEach((w) => w.tensor.dispose());
      }
      const withSeeds = model as { setRandomState?: (s: unknown) => void };
      if (saved.randomState !== undefined) withSeeds.setRandomState?.(saved.randomState);
    }
    setRandomState(m.randomState);
    for (const [key, t] of this.statefulTraces()) if (key in m.traces) t.setState(m.traces[key]);
    this.system.restore({ epoch: m.epoch, globalStep: m.globalStep, history: Summary.fromJSON(m.summary) });
    this.restoredEpoch = m.epoch;
    this.resumeBatches = m.skipBatches ?? 0;
    this.savedStep = m.globalStep;
    const skip = this.resumeBatches > 0 ? ` (epoch ${m.epoch + 1} resumes after its first ${this.resumeBatches} batches)` : '';
    process.stderr.write(
      `FastEstimator-RestoreWizard: restored from ${dir}: resuming after epoch ${m.epoch}, step ${m.globalStep}${skip}\n`,
    );
  }

  override async onEpochEnd(data: Data): Promise<void> {
    const s = this.system;
    const last = s.mode === 'eval' || (s.mode === 'train' && !s.state.hasEval);
    if (!last || s.epoch % this.frequency !== 0) return;
    // Training stopped on a NaN/Inf this epoch: the epoch is not a state to resume from; keep the last good checkpoint.
    const nan = this.traces.find((t): t is TerminateOnNaN => t instanceof TerminateOnNaN && t.detected !== undefined);
    if (nan?.detected) {
      const d = nan.detected;
      process.stderr.write(
        `FastEstimator-RestoreWizard: not saving epoch ${s.epoch}: TerminateOnNaN found ${d.value} in "${d.key}" at step ${d.step}; ` +
          'the previous checkpoint stays the one to resume from\n',
      );
      return;
    }
    await this.save(data.logs);
  }

  /**
   * Writes a mid-epoch checkpoint on an interrupt: `completedEpochs` whole epochs plus `skipBatches` batches of the
   * next. Returns its folder, or undefined when nothing was trained since the last checkpoint (nothing to save).
   */
  async saveInterrupted(completedEpochs: number, skipBatches: number): Promise<string | undefined> {
    if (this.system.globalStep === this.savedStep) return undefined;
    return this.save(new Map(), { epoch: completedEpochs, skipBatches });
  }

  /**
   * Writes a checkpoint of the current state now (`pending`: values this hook round logged, not yet in the Summary;
   * `at`: the epoch to record and batches of the next already trained, for a mid-epoch checkpoint). Returns its folder,
   * or undefined when a weight is not finite (nothing is written then; the previous checkpoint stays `latest`).
   */
  async save(pending: ReadonlyMap<string, unknown> = new Map(), at?: { epoch: number; skipBatches: number }): Promise<string | undefined> {
    const s = this.system;
    // Data-parallel: rank 0 writes the checkpoint (every rank holds the same state).
    if (!s.world.isChief) return undefined;
    const models = this.models();
    for (const model of models) {
      const bad = await nonFiniteWeight(model);
      if (bad) {
        process.stderr.write(
          `FastEstimator-RestoreWizard: not saving epoch ${s.epoch}: weight "${bad.name}" of model "${getModelName(model)}" holds ${bad.value}; ` +
            `the previous checkpoint stays the one to resume from\n`,
        );
        return undefined;
      }
    }
    const history = Summary.fromJSON(s.summary.toJSON());
    for (const [k, v] of pending) history.record(s.mode, k, s.globalStep, v);
    const epoch = at?.epoch ?? s.epoch;
    const skipBatches = at?.skipBatches ?? 0;
    const name = `epoch-${String(epoch).padStart(4, '0')}${skipBatches > 0 ? `-step-${String(s.globalStep).padStart(8, '0')}` : ''}`;
    const manifest: CheckpointManifest = {
      version: 1,
      epoch,
      globalStep: s.globalStep,
      randomState: getRandomState(),
      models: [],
      traces: {},
      summary: history.toJSON(),
      ...(skipBatches > 0 ? { skipBatches } : {}),
      ...(s.world.size > 1 ? { worldSize: s.world.size } : {}),
    };
    const final = await this.store.save(
      name,
      async (put) => {
        for (const model of models) {
          const mname = getModelName(model);
          const weights = `${safeFileName(mname)}.safetensors`;
          await put(weights, await serializeModelWeights(model));
          const optimizers: CheckpointManifest['models'][number]['optimizers'] = [];
          let i = 0;
          for (const opt of getAllOptimizers(model)) {
            const named = await opt.getWeights();
            const entries = new Map<string, { shape: readonly number[]; data: Float32Array }>();
            for (const w of named) entries.set(w.name, { shape: w.tensor.shape, data: Float32Array.from(await w.tensor.data()) });
            const file = `${safeFileName(mname)}.optimizer-${i++}.safetensors`;
            await put(file, serializeSafetensors(entries, { format: 'fets-optimizer' }));
            optimizers.push({ file, order: named.map((w) => w.name) });
          }
          // A model with its own seed streams (BERT's dropout) keeps their positions.
          const rs = (model as { getRandomState?: () => unknown }).getRandomState?.();
          manifest.models.push({ name: mname, weights, optimizers, ...(rs !== undefined ? { randomState: rs } : {}) });
        }
        for (const [key, t] of this.statefulTraces()) manifest.traces[key] = t.getState();
        return manifest;
      },
      this.keep,
    );
    this.savedStep = s.globalStep;
    process.stderr.write(`FastEstimator-RestoreWizard: saved checkpoint ${name} (step ${s.globalStep}) to ${this.directory}\n`);
    return final;
  }
}
