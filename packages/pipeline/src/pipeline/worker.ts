/**
 * Worker-thread entry of the Pipeline (run by piscina): imports the user's ops module once, then runs the pre-batch
 * ops of the requested mode/epoch/dsId on each sample of a task. Results are identical to the main thread's because
 * every sample's random numbers depend only on (seed, epoch, mode, position).
 */
import type { DataDict } from '../core/op.js';
import { PipelineError } from '../core/errors.js';
import type { Mode } from '../core/mode.js';
import type { NumpyOp } from '../ops/numpyOp.js';
import type { Schedulable } from '../schedule/scheduler.js';
import { makePlan } from './plan.js';
import { runSampleOps, sampleState } from './producer.js';

/** One task: a chunk of samples and where they run. */
export interface WorkerTask {
  readonly opsModule: string;
  readonly opsExport: string;
  readonly mode: Mode;
  readonly epoch: number;
  readonly dsId: string;
  readonly seed: number;
  readonly items: { pos: number; data: DataDict }[];
}

/** A processed sample, or a drop marker. */
export type WorkerResult = { data: DataDict } | { filtered: boolean };

const cache = new Map<string, Promise<Schedulable<NumpyOp>[]>>();

async function loadOps(module: string, name: string): Promise<Schedulable<NumpyOp>[]> {
  const key = `${module}#${name}`;
  let p = cache.get(key);
  if (!p) {
    p = (async () => {
      const mod = (await import(module)) as Record<string, unknown>;
      const factory = mod[name];
      if (typeof factory !== 'function') {
        throw new PipelineError(`Pipeline worker: ${module} has no exported function "${name}" (found: ${Object.keys(mod).join(', ')})`);
      }
      const ops = await (factory as () => unknown)();
      if (!Array.isArray(ops))
        throw new PipelineError(`Pipeline worker: ${module}#${name}() must return the list of ops, received ${typeof ops}`);
      return ops as Schedulable<NumpyOp>[];
    })();
    cache.set(key, p);
  }
  return p;
}

/** Runs one task (piscina calls the default export). */
export default async function runTask(task: WorkerTask): Promise<WorkerResult[]> {
  const ops = await loadOps(task.opsModule, task.opsExport);
  const plan = makePlan(ops, { mode: task.mode, epoch: task.epoch, dsId: task.dsId }, { batchSize: undefined });
  return task.items.map(({ pos, data }) => {
    const r = runSampleOps(plan.preOps, data, sampleState(task.mode, task.epoch, task.dsId, task.seed, pos));
    return r ? { filtered: r.replacement } : { data };
  });
}
