import type { Mode } from '../core/mode.js';
import { PipelineError } from '../core/errors.js';
import { getCurrentItems } from '../core/select.js';
import { Scheduler, resolveScheduled, type Schedulable } from '../schedule/scheduler.js';
import { EpochScheduler } from '../schedule/epochScheduler.js';
import { RepeatScheduler } from '../schedule/repeatScheduler.js';
import { Batch } from '../ops/batch.js';
import { Delete } from '../ops/lambdaOp.js';
import type { NumpyOp } from '../ops/numpyOp.js';
import { collate } from '../ops/collate.js';
import type { DataDict } from '../core/op.js';

/** What runs for one (mode, epoch, dsId): ops before the batch, the batch op, ops after it. */
export interface EpochPlan {
  readonly preOps: readonly NumpyOp[];
  readonly batch: Batch | undefined;
  readonly postOps: readonly NumpyOp[];
  /** Collates samples into a batch: the Batch op's collation with pad values merged from the ops' declared ones. */
  readonly collate: (samples: DataDict[]) => DataDict;
}

/** A batch size: a number, a scheduler of numbers, or one per mode. */
export type BatchSizeSpec = Schedulable<number> | Partial<Record<Mode, Schedulable<number>>>;

/** Resolves the ops for a mode/epoch/dsId and splits them at the Batch op (implicit one from `batchSize` if none). */
export function makePlan(
  ops: readonly Schedulable<NumpyOp>[],
  where: { mode: Mode; epoch: number; dsId: string },
  implicit: { batchSize: BatchSizeSpec | undefined; padValue?: number | Record<string, number> | undefined },
): EpochPlan {
  const selected = getCurrentItems(ops, where);
  const batchIdx = selected.flatMap((op, i) => (op instanceof Batch ? [i] : []));
  if (batchIdx.length > 1) {
    throw new PipelineError(
      `Pipeline: ${batchIdx.length} Batch ops are active in mode "${where.mode}" epoch ${where.epoch}${where.dsId ? ` dsId "${where.dsId}"` : ''}; expected at most one (give them distinct mode/dsId)`,
      { mode: where.mode },
    );
  }
  let batch: Batch | undefined;
  let preOps: NumpyOp[];
  let postOps: NumpyOp[];
  if (batchIdx.length === 1) {
    batch = selected[batchIdx[0]!] as Batch;
    preOps = selected.slice(0, batchIdx[0]);
    postOps = selected.slice(batchIdx[0]! + 1);
  } else {
    preOps = selected;
    postOps = [];
    const bs = resolveBatchSize(implicit.batchSize, where.mode, where.epoch);
    batch = new Batch({
      batchSize: bs ?? 1,
      ...(implicit.padValue !== undefined ? { padValue: implicit.padValue } : {}),
    });
  }
  const opPadValues: Record<string, number> = {};
  for (const op of preOps) Object.assign(opPadValues, op.padValues);
  const b = batch;
  const explicit = b.padValue;
  const pad = typeof explicit === 'number' ? explicit : { ...opPadValues, ...(explicit ?? {}) };
  const collateFn = b.collateFn ? b.collateFn : (samples: DataDict[]) => collate(samples, pad, b.dtypes);
  return { preOps, batch, postOps, collate: collateFn };
}

/** The batch size in force for a mode and epoch (undefined: none given). */
export function resolveBatchSize(spec: BatchSizeSpec | undefined, mode: Mode, epoch: number): number | undefined {
  if (spec === undefined) return undefined;
  if (typeof spec === 'number' || spec instanceof Scheduler) return resolveScheduled(spec, epoch) ?? undefined;
  const m = spec[mode];
  return m === undefined ? undefined : (resolveScheduled(m, epoch) ?? undefined);
}

/** The epochs worth checking: 1 up to the last epoch at which any scheduler changes (FE's signature epochs bound). */
export function signatureEpochs(items: readonly unknown[]): number[] {
  let last = 1;
  for (const it of items) {
    if (it instanceof EpochScheduler) last = Math.max(last, ...it.epochDict.keys());
    else if (it instanceof RepeatScheduler) last = Math.max(last, it.repeatList.length);
  }
  return Array.from({ length: last }, (_, i) => i + 1);
}

/**
 * Checks that every key an op reads is provided by the data set or an earlier op; returns the keys available at the
 * end. Throws a PipelineError naming the op, key, mode and what was available.
 */
export function checkKeys(
  plan: EpochPlan,
  sourceKeys: readonly string[],
  where: { mode: Mode; epoch: number; dsId: string; sourceName: string },
): string[] {
  const available = new Set(sourceKeys);
  for (const op of [...plan.preOps, ...plan.postOps]) {
    for (const k of op.inputs) {
      if (!available.has(k) && !(where.mode === 'infer' && op.optionalInputs.includes(k))) {
        throw new PipelineError(
          `op ${op.name} reads key "${k}" in mode "${where.mode}"${where.dsId ? ` (dsId "${where.dsId}")` : ''}, ` +
            `but no data set or earlier op provides it\n  (${where.sourceName} provides: ${[...sourceKeys].join(', ') || 'nothing'}; ` +
            `available before ${op.name}: ${[...available].join(', ') || 'nothing'})`,
          { op: op.name, key: k, mode: where.mode, dsId: where.dsId, available: [...available] },
        );
      }
    }
    if (op instanceof Delete) for (const k of op.inputs) available.delete(k);
    else for (const k of op.outputs) available.add(k);
  }
  return [...available];
}
