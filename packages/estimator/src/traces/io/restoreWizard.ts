import { mkdir, readFile, readdir, rename, rm, writeFile, open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FetsError, parseOptions } from '@fets/pipeline';
import { Network, getAllOptimizers, getModelName, parseSafetensors, serializeSafetensors, type Model } from '@fets/network';
import { Trace } from '../../core/trace.js';
import type { Data } from '../../core/data.js';
import { getRandomState, setRandomState } from '../../core/deterministic.js';
import { Summary } from '../../summary/summary.js';
import { checkWritable, safeFileName } from './fileSafety.js';
import { loadModelWeights, serializeModelWeights } from './modelWeights.js';

const schema = z.strictObject({
  directory: z.string().min(1),
  frequency: z.number().int().min(1).default(1),
  keep: z.number().int().min(1).default(1),
});

/** Options of {@link RestoreWizard}. */
export type RestoreWizardOptions = z.input<typeof schema>;

/** A trace whose own progress must survive a restart (counters, best values) implements this. */
export interface StatefulTrace {
  getState(): unknown;
  setState(state: unknown): void;
}

/** A checkpoint could not be read. */
export class CheckpointError extends FetsError {}

interface Manifest {
  version: 1;
  epoch: number;
  globalStep: number;
  randomState: number | undefined;
  models: { name: string; weights: string; optimizers: { file: string; order: string[] }[] }[];
  traces: Record<string, unknown>;
  summary: ReturnType<Summary['toJSON']>;
}

async function fsyncPath(p: string): Promise<void> {
  const h = await open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/**
 * Periodic full-state checkpoints so a killed run resumes where it stopped (FastEstimator's RestoreWizard): every
 * `frequency` epochs (after evaluation) it saves each model's weights, each optimizer's state, the loop state (epoch,
 * step, history), the deterministic random state and the state of traces that have one. On `fit()`, if `directory`
 * holds a checkpoint, the run continues from it; the data order is a function of (seed, epoch), so it repeats too.
 * Checkpoints are written to a temporary folder, fsynced and renamed, then `latest` is switched atomically: a kill at
 * any moment leaves the previous checkpoint whole.
 *
 * @example
 * new Estimator({ pipeline, network, epochs: 10, traces: [new RestoreWizard({ directory: 'runs/ner/restore' })] });
 */
export class RestoreWizard extends Trace {
  readonly directory: string;
  readonly frequency: number;
  readonly keep: number;
  /** Epoch restored from (0: started fresh). */
  restoredEpoch = 0;
  private traces: Trace[] = [];

  constructor(options: RestoreWizardOptions) {
    const o = parseOptions('RestoreWizard', schema, options);
    super({ mode: ['train', 'eval'] });
    this.directory = o.directory;
    this.frequency = o.frequency;
    this.keep = o.keep;
    checkWritable(o.directory, 'RestoreWizard', 'directory');
  }

  /** @internal The Estimator hands over the traces whose state is saved with the checkpoint. */
  setTraces(traces: readonly Trace[]): void {
    this.traces = traces.filter((t) => t !== this);
  }

  private models(): Model[] {
    const net = this.system.network;
    if (!(net instanceof Network)) {
      throw new FetsError('RestoreWizard: the Estimator runs no @fets/network Network, so there are no models to checkpoint');
    }
    return [...net.models];
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
    const latest = path.join(this.directory, 'latest');
    if (!existsSync(latest)) return;
    const name = (await readFile(latest, 'utf8')).trim();
    const dir = path.join(this.directory, name);
    const manifestFile = path.join(dir, 'manifest.json');
    let m: Manifest;
    try {
      m = JSON.parse(await readFile(manifestFile, 'utf8')) as Manifest;
    } catch (e) {
      throw new CheckpointError(`RestoreWizard: cannot read ${manifestFile}: ${(e as Error).message}`);
    }
    const models = this.models();
    for (const saved of m.models) {
      const model = models.find((x) => getModelName(x) === saved.name);
      if (!model) {
        throw new CheckpointError(
          `RestoreWizard: checkpoint ${dir} holds model "${saved.name}", the Network has ${models.map((x) => `"${getModelName(x)}"`).join(', ')}`,
        );
      }
      loadModelWeights(model, path.join(dir, saved.weights));
      const opts = getAllOptimizers(model);
      for (let i = 0; i < saved.optimizers.length && i < opts.length; i++) {
        const { file, order } = saved.optimizers[i]!;
        const parsed = parseSafetensors(new Uint8Array(await readFile(path.join(dir, file))), path.join(dir, file));
        const named = order.map((n) => {
          const t = parsed.tensors.get(n);
          if (!t) throw new CheckpointError(`RestoreWizard: ${file} lacks optimizer weight "${n}"`);
          return { name: n, tensor: tf.tensor(Float32Array.from(t.data as ArrayLike<number>), [...t.shape]) };
        });
        await opts[i]!.setWeights(named);
        named.forEach((w) => w.tensor.dispose());
      }
    }
    setRandomState(m.randomState);
    for (const [key, t] of this.statefulTraces()) if (key in m.traces) t.setState(m.traces[key]);
    this.system.restore({ epoch: m.epoch, globalStep: m.globalStep, history: Summary.fromJSON(m.summary) });
    this.restoredEpoch = m.epoch;
    process.stderr.write(`FastEstimator-RestoreWizard: restored from ${dir}: resuming after epoch ${m.epoch}, step ${m.globalStep}\n`);
  }

  override async onEpochEnd(data: Data): Promise<void> {
    const s = this.system;
    const last = s.mode === 'eval' || (s.mode === 'train' && !s.state.hasEval);
    if (!last || s.epoch % this.frequency !== 0) return;
    await this.save(data.logs);
  }

  /** Writes a checkpoint of the current state now (`pending`: values this hook round logged, not yet in the Summary). */
  async save(pending: ReadonlyMap<string, unknown> = new Map()): Promise<string> {
    const s = this.system;
    const history = Summary.fromJSON(s.summary.toJSON());
    for (const [k, v] of pending) history.record(s.mode, k, s.globalStep, v);
    await mkdir(this.directory, { recursive: true });
    const name = `epoch-${String(s.epoch).padStart(4, '0')}`;
    const tmp = path.join(this.directory, `.${name}.tmp-${process.pid}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    const manifest: Manifest = {
      version: 1,
      epoch: s.epoch,
      globalStep: s.globalStep,
      randomState: getRandomState(),
      models: [],
      traces: {},
      summary: history.toJSON(),
    };
    const write = async (file: string, data: string | Uint8Array) => {
      const p = path.join(tmp, file);
      await writeFile(p, data);
      await fsyncPath(p);
    };
    for (const model of this.models()) {
      const mname = getModelName(model);
      const weights = `${safeFileName(mname)}.safetensors`;
      await write(weights, serializeModelWeights(model));
      const optimizers: Manifest['models'][number]['optimizers'] = [];
      let i = 0;
      for (const opt of getAllOptimizers(model)) {
        const named = await opt.getWeights();
        const entries = new Map<string, { shape: readonly number[]; data: Float32Array }>();
        for (const w of named) entries.set(w.name, { shape: w.tensor.shape, data: Float32Array.from(await w.tensor.data()) });
        const file = `${safeFileName(mname)}.optimizer-${i++}.safetensors`;
        await write(file, serializeSafetensors(entries, { format: 'fets-optimizer' }));
        optimizers.push({ file, order: named.map((w) => w.name) });
      }
      manifest.models.push({ name: mname, weights, optimizers });
    }
    for (const [key, t] of this.statefulTraces()) manifest.traces[key] = t.getState();
    await write('manifest.json', `${JSON.stringify(manifest)}\n`);
    await fsyncPath(tmp);
    const final = path.join(this.directory, name);
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
    const latestTmp = path.join(this.directory, `.latest.tmp-${process.pid}`);
    await writeFile(latestTmp, `${name}\n`);
    await fsyncPath(latestTmp);
    await rename(latestTmp, path.join(this.directory, 'latest'));
    await fsyncPath(this.directory);
    const all = (await readdir(this.directory)).filter((f) => /^epoch-\d+$/.test(f)).sort();
    for (const old of all.slice(0, Math.max(0, all.length - this.keep))) await rm(path.join(this.directory, old), { recursive: true, force: true });
    return final;
  }
}
