import Table from 'cli-table3';
import type { Mode } from '../core/mode.js';
import type { OpProfile } from './producer.js';

/** One row of the per-op benchmark table. */
export interface OpTiming {
  op: string;
  inputs: string;
  outputs: string;
  msPerVisit: number;
  visits: number;
  share: number;
}

/** Result of `pipeline.benchmark`. */
export interface BenchmarkResult {
  mode: Mode;
  steps: number;
  samples: number;
  seconds: number;
  stepsPerSec: number;
  samplesPerSec: number;
  ops: OpTiming[];
}

/** Prints FE's pipeline benchmark report (steps/sec, then the per-op table) and returns its figures. */
export function printBenchmark(args: {
  mode: Mode;
  steps: number;
  samples: number;
  seconds: number;
  profile: OpProfile;
  log: (line: string) => void;
}): BenchmarkResult {
  const { mode, steps, samples, seconds, profile, log } = args;
  const total = [...profile.values()].reduce((a, b) => a + b.ms, 0) || 1;
  const ops: OpTiming[] = [...profile.entries()].map(([op, t]) => ({
    op: op === 'Batch' ? 'Batch (collate)' : op.name,
    inputs: op === 'Batch' ? '' : op.inputs.join(', '),
    outputs: op === 'Batch' ? '' : op.outputs.join(', '),
    msPerVisit: t.ms / Math.max(1, t.visits),
    visits: t.visits,
    share: t.ms / total,
  }));
  const result: BenchmarkResult = {
    mode,
    steps,
    samples,
    seconds,
    stepsPerSec: steps / seconds,
    samplesPerSec: samples / seconds,
    ops,
  };
  log(
    `FastEstimator-Benchmark (${mode}): ${steps} steps in ${seconds.toFixed(2)} s, ${result.stepsPerSec.toFixed(1)} steps/sec, ${result.samplesPerSec.toFixed(0)} samples/sec`,
  );
  const color = process.stdout.isTTY === true;
  const table = new Table({
    head: ['Op', 'Inputs', 'Outputs', 'ms / visit', 'Visits', 'Time share'],
    style: color ? {} : { head: [], border: [] },
  });
  for (const r of ops) {
    table.push([r.op, r.inputs, r.outputs, r.msPerVisit.toFixed(4), String(r.visits), `${(100 * r.share).toFixed(1)}%`]);
  }
  for (const line of table.toString().split('\n')) log(line);
  return result;
}
