import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Mode } from '../core/mode.js';
import type { DataDict } from '../core/op.js';
import { NDArray } from '../core/ndarray.js';
import { FilteredData } from '../ops/numpyOp.js';
import type { SampleProcessor } from './producer.js';
import type { WorkerResult, WorkerTask } from './worker.js';

/** Turns structured-cloned NDArrays (plain objects after crossing a thread) back into NDArrays. */
function revive(data: DataDict): DataDict {
  for (const [k, v] of Object.entries(data)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      const o = v as { data?: unknown; shape?: unknown; dtype?: unknown };
      if (o.shape && o.dtype && o.data) data[k] = new NDArray(o.data as Int32Array, o.shape as number[], o.dtype as 'int32');
    }
  }
  return data;
}

/**
 * Runs per-sample ops on `numProcess` worker threads (piscina). Op instances cannot cross threads, so each worker
 * builds its own from `opsModule`: a module exporting a function (default name `createOps`) that returns the same
 * ops list given to the Pipeline. Threads exit when idle, so a finished script ends on its own.
 */
export class WorkerPool implements SampleProcessor {
  readonly chunkSize: number;
  readonly depth: number;
  private readonly pool: Piscina;
  private readonly opsModule: string;

  constructor(
    numProcess: number,
    opsModule: string,
    readonly opsExport: string,
    batchSize: number,
  ) {
    const here = fileURLToPath(import.meta.url);
    const ext = path.extname(here);
    this.opsModule =
      opsModule.startsWith('file:') || opsModule.startsWith('data:') ? opsModule : pathToFileURL(path.resolve(opsModule)).href;
    this.pool = new Piscina({
      filename: pathToFileURL(path.join(path.dirname(here), ext === '.ts' ? 'workerEntry.mjs' : 'worker.js')).href,
      minThreads: 0,
      maxThreads: numProcess,
      idleTimeout: 2000,
    });
    this.chunkSize = Math.max(16, batchSize);
    this.depth = numProcess * 2;
  }

  async process(
    items: { pos: number; data: DataDict }[],
    where: { mode: Mode; epoch: number; dsId: string; seed: number },
  ): Promise<(DataDict | FilteredData)[]> {
    const task: WorkerTask = { opsModule: this.opsModule, opsExport: this.opsExport, ...where, items };
    const results = (await this.pool.run(task)) as WorkerResult[];
    return results.map((r) => ('data' in r ? revive(r.data) : new FilteredData(r.filtered)));
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
