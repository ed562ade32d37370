import * as tf from '@tensorflow/tfjs';
import { Network, UpdateOp, getModelName, keyFlow, makeStepState, toTensor } from '@fets/network';
import { FetsError, NDArray, type DataDict, type Mode } from '@fets/pipeline';
import type { Estimator } from '../estimator/estimator.js';
import type { NetworkLike } from '../core/networkLike.js';

/** `fets check` found a problem the graph checks could not see before data flowed (an op failed on the first batch). */
export class CheckError extends FetsError {}

/** One op of the graph: its name, the keys it reads and writes, and what it wrote on the first batch. */
export interface OpLine {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** `key dtype [shape]` of each output on the first batch (Network ops), or a note (`Batch`, `UpdateOp`). */
  readonly result: string;
}

/** The check of one mode (and data-set id). */
export interface ModeCheck {
  readonly mode: Mode;
  readonly dsId: string;
  /** Samples in the data set, when it has a length. */
  readonly samples: number | undefined;
  readonly pipelineOps: readonly OpLine[];
  /** `key → dtype [shape]` of the first batch. */
  readonly batch: readonly [string, string][];
  readonly networkOps: readonly OpLine[];
  readonly traces: readonly OpLine[];
}

/** What `fets check` verified. */
export interface CheckReport {
  readonly modes: readonly ModeCheck[];
  /** Seconds spent. */
  readonly seconds: number;
}

/** `dtype [shape]` of a batch value or tensor; a short description for anything else. */
export function describeShape(v: unknown): string {
  if (v instanceof tf.Tensor) return `${v.dtype} [${v.shape.join(', ')}]`;
  if (v instanceof NDArray) return `${v.dtype} [${v.shape.join(', ')}]`;
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(v)) {
    const first = v[0];
    const inner =
      first === undefined
        ? ''
        : Array.isArray(first)
          ? ' of lists'
          : ` of ${typeof first === 'object' && first !== null ? (first.constructor?.name ?? 'object') : typeof first}`;
    return `list(${v.length})${inner}`;
  }
  if (v === null || v === undefined) return String(v);
  return (v as object).constructor?.name ?? typeof v;
}

const opLine = (op: { name: string; inputs: readonly string[]; outputs: readonly string[] }, result = ''): OpLine => ({
  name: op.name,
  inputs: op.inputs,
  outputs: op.outputs,
  result,
});

async function firstBatch(estimator: Estimator, mode: Mode, dsId: string): Promise<DataDict> {
  const it = estimator.pipeline.batches({ mode, epoch: 1, dsId, numSteps: 1, shuffle: false })[Symbol.asyncIterator]();
  try {
    const r = await it.next();
    if (r.done) {
      throw new CheckError(
        `fets check: mode "${mode}"${dsId ? ` (dsId "${dsId}")` : ''}: the Pipeline produced no batch (is the ${mode} data set empty, or every sample filtered out?)`,
      );
    }
    return r.value;
  } finally {
    await it.return?.();
  }
}

/** Runs a Network's ops of `mode` one by one on the batch (no UpdateOp), naming the op that fails; returns op lines. */
function forwardByOp(network: Network, batch: DataDict, mode: Mode, dsId: string): OpLine[] {
  const ops = network.getCurrentOps(mode, 1, dsId);
  const state = makeStepState({ mode, epoch: 1, step: 0, warmup: true, dsId });
  const lines: OpLine[] = [];
  tf.tidy(() => {
    const d: DataDict = { ...batch };
    for (const k of keyFlow(ops).required) d[k] = toTensor(d[k]);
    for (const [i, op] of ops.entries()) {
      if (op instanceof UpdateOp) {
        lines.push(opLine({ name: `UpdateOp (model "${getModelName(op.model)}")`, inputs: op.inputs, outputs: [] }, ''));
        continue;
      }
      try {
        op.apply(d, state);
      } catch (e) {
        const inputs = op.inputs.map((k) => `${k} ${describeShape(d[k])}`).join('; ');
        const why = e instanceof Error ? e.message : String(e);
        throw new CheckError(
          `fets check: mode "${mode}": Network op ${i + 1} ${op.name} (${op.inputs.join(', ')} → ${op.outputs.join(', ')}) failed on the first batch ` +
            `(inputs: ${inputs || 'none'}): ${why}`,
          { cause: e },
        );
      }
      lines.push(opLine(op, op.outputs.map((k) => `${k} ${describeShape(d[k])}`).join('; ')));
    }
  });
  return lines;
}

/** One training pass without applying updates: computes every UpdateOp's gradients (catches losses detached from the model). */
async function gradientPass(network: Network, batch: DataDict, mode: Mode, dsId: string, lines: OpLine[]): Promise<void> {
  const updates = network.getCurrentOps(mode, 1, dsId).filter((op): op is UpdateOp => op instanceof UpdateOp);
  if (updates.length === 0) return;
  let r: Awaited<ReturnType<Network['runStepTensors']>>;
  try {
    r = await network.runStepTensors(batch, { mode, epoch: 1, step: 0, warmup: true, dsId });
  } catch (e) {
    if (e instanceof FetsError) throw e;
    throw new CheckError(
      `fets check: mode "${mode}": computing the gradients of ${updates.map((u) => `UpdateOp (loss "${u.lossName}")`).join(', ')} failed: ${(e as Error).message}`,
      { cause: e },
    );
  }
  try {
    for (const u of r.updates) {
      const i = lines.findIndex((l) => l.name === `UpdateOp (model "${u.model}")` && l.result === '');
      const loss = r.losses[u.op.lossName];
      if (i >= 0)
        lines[i] = {
          ...lines[i]!,
          result: `gradients of ${u.op.variables().length} variables${loss === undefined ? '' : `, ${u.op.lossName} = ${Number(loss.toPrecision(6))}`} (not applied)`,
        };
    }
  } finally {
    r.dispose();
  }
}

/** Any NetworkLike: one warm-up step, outputs described. */
async function stepAny(network: NetworkLike, batch: DataDict, mode: Mode): Promise<OpLine[]> {
  const produced = network.producedKeys(mode, 1);
  const out = await network.runStep(batch, { mode, epoch: 1, warmup: true }, produced);
  return [
    opLine(
      { name: 'Network', inputs: network.requiredKeys(mode, 1), outputs: produced },
      produced.map((k) => `${k} ${describeShape(out[k])}`).join('; '),
    ),
  ];
}

/**
 * Validates an Estimator without training (`fets check`): the key graph of Pipeline → Network → Traces for every mode
 * that has data (`Estimator.checkGraph`), then for each mode one batch from the Pipeline, the Network's keys checked
 * against that batch, its ops run one by one in that mode (naming the op that fails, with its input shapes), and in
 * modes with UpdateOps one gradient pass whose updates are not applied. No weight changes. Returns what it saw.
 *
 * @example
 * const report = await checkEstimator(estimator);
 * console.log(formatCheckReport(report));
 */
export async function checkEstimator(estimator: Estimator): Promise<CheckReport> {
  const t0 = performance.now();
  const modes = estimator.pipeline.modes.filter((m): m is Mode => m === 'train' || m === 'eval' || m === 'test');
  if (modes.length === 0) throw new CheckError('fets check: the Pipeline has no train, eval or test data');
  estimator.checkGraph(modes);
  estimator.pipeline.checkData(modes);
  const network = estimator.network;
  const out: ModeCheck[] = [];
  for (const mode of modes) {
    for (const dsId of estimator.pipeline.dsIds(mode)) {
      const plan = estimator.pipeline.plan(mode, 1, dsId);
      const pipelineOps = [
        ...plan.preOps.map((op) => opLine(op)),
        ...(plan.batch
          ? [
              opLine(
                { name: 'Batch', inputs: [], outputs: [] },
                `batchSize ${plan.batch.batchSize}${plan.batch.dropLast ? ', dropLast' : ''}`,
              ),
            ]
          : []),
        ...plan.postOps.map((op) => opLine(op)),
      ];
      const batch = await firstBatch(estimator, mode, dsId);
      network.checkGraph(Object.keys(batch), mode, 1);
      let networkOps: OpLine[];
      if (network instanceof Network) {
        networkOps = forwardByOp(network, batch, mode, dsId);
        await gradientPass(network, batch, mode, dsId, networkOps);
      } else {
        networkOps = await stepAny(network, batch, mode);
      }
      const traces = estimator.activeTraces(mode, 1, dsId).map((t) => opLine(t));
      const src = estimator.pipeline.source(mode, 1, dsId);
      out.push({
        mode,
        dsId,
        samples: src?.length,
        pipelineOps,
        batch: Object.entries(batch).map(([k, v]) => [k, describeShape(v)]),
        networkOps,
        traces,
      });
    }
  }
  return { modes: out, seconds: (performance.now() - t0) / 1000 };
}

function table(rows: readonly OpLine[], numbered: boolean): string[] {
  const cells = rows.map((r, i) => {
    const io = r.inputs.length || r.outputs.length ? `${r.inputs.join(', ') || '∅'} → ${r.outputs.join(', ') || '∅'}` : '';
    return [numbered ? `${i + 1}.` : '-', r.name, io || r.result, io ? r.result : ''];
  });
  const w = [0, 1, 2].map((c) => Math.max(0, ...cells.map((row) => row[c]!.length)));
  return cells.map((row) => `    ${row.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c)).join('  ')}`.trimEnd());
}

/** The op graph of a {@link CheckReport} as text: per mode, Pipeline ops, batch keys, Network ops, Traces. */
export function formatCheckReport(report: CheckReport): string {
  const lines: string[] = [];
  for (const m of report.modes) {
    lines.push(`mode ${m.mode}${m.dsId ? ` (dsId "${m.dsId}")` : ''}${m.samples === undefined ? '' : `: ${m.samples} samples`}`);
    lines.push('  Pipeline');
    lines.push(...(m.pipelineOps.length ? table(m.pipelineOps, true) : ['    (no ops)']));
    lines.push(`  first batch: ${m.batch.map(([k, s]) => `${k} ${s}`).join('; ')}`);
    lines.push('  Network');
    lines.push(...table(m.networkOps, true));
    lines.push('  Traces');
    lines.push(...(m.traces.length ? table(m.traces, false) : ['    (none)']));
  }
  return lines.join('\n');
}
