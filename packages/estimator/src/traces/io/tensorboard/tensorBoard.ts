import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { dsIdSpecSchema, modeSpecSchema, parseOptions, type Mode } from '@fets/pipeline';
import { getModelName, isLayersModel, isModel, namedVariables, type Model } from '@fets/network';
import { Trace } from '../../../core/trace.js';
import type { Data } from '../../../core/data.js';
import { scalarOf } from '../essentials.js';
import { checkWritable, safeFileName } from '../fileSafety.js';
import { encodeEvent, tfRecord, type SummaryValue } from './eventFile.js';
import type { QuietSig } from '../../../core/traceKeys.js';

const schema = z
  .strictObject({
    /** Root directory; events go to `${logDir}/${experimentName}/${mode}/events.out.tfevents.*`. */
    logDir: z.string().min(1),
    /** Write each model's structure (layers or variables, with shapes) as a text summary named `graph/<model>`. */
    writeGraph: z.boolean().default(false),
    /** Models described by `writeGraph`. */
    models: z.array(z.custom<Model>(isModel, 'expected a tf.LayersModel or a FunctionModel')).default([]),
    /** Training scalars every this many steps, or 'epoch' for epoch ends only (default 100, as FastEstimator). */
    updateFreq: z.union([z.number().int().min(1), z.literal('epoch')]).default(100),
    /** Modes written (default all). */
    mode: modeSpecSchema.optional(),
    /** Data sets written. */
    dsId: dsIdSpecSchema.optional(),
  })
  .refine((o) => !o.writeGraph || o.models.length > 0, { message: 'writeGraph needs the models to describe', path: ['models'] });

/** Options of {@link TensorBoard}. */
export type TensorBoardOptions = z.input<typeof schema>;

/** Numeric scalars of a map of values (numbers or one-element arrays), finite or not. */
function scalars(entries: Iterable<[string, unknown]>): SummaryValue[] {
  const out: SummaryValue[] = [];
  for (const [tag, v] of entries) {
    if (typeof v === 'number' || (v && typeof v === 'object' && 'size' in v && (v as { size: number }).size === 1)) {
      const n = scalarOf(v);
      if (n !== undefined) out.push({ tag, value: n });
    }
  }
  return out;
}

/** A text table of a model's structure for the `graph/<model>` summary. */
export function describeStructure(model: Model): string {
  if (isLayersModel(model)) {
    const rows = model.layers.map((l) => `| ${l.name} | ${l.getClassName()} | ${JSON.stringify(l.outputShape)} | ${l.countParams()} |`);
    return ['| layer | class | output shape | parameters |', '|---|---|---|---|', ...rows].join('\n');
  }
  const rows = [...namedVariables(model)].map(([n, v]) => `| ${n} | [${v.shape.join(', ')}] | ${v.dtype} | ${v.trainable} |`);
  return ['| variable | shape | dtype | trainable |', '|---|---|---|---|', ...rows].join('\n');
}

/**
 * Writes the run's scalars as TensorBoard event files (FastEstimator's TensorBoard): one run directory per mode
 * (`${logDir}/${experimentName}/train`, `/eval`, …) so TensorBoard overlays train and eval curves. Training: every
 * numeric value the batch holds (losses) and everything logged, every `updateFreq` steps; every mode: everything
 * logged at epoch ends. Records are TFRecord-framed `Event` protos, starting with `file_version: "brain.Event:2"`.
 * With `writeGraph`, each model's structure is written as a text summary (TensorBoard's text plugin), not a GraphDef.
 * An unwritable `logDir` fails at construction.
 *
 * Keys in: none fetched. Out: files only.
 *
 * @example
 * new TensorBoard({ logDir: 'runs/tb', updateFreq: 50 });
 */
export class TensorBoard extends Trace {
  override readonly chiefOnly = true;
  declare readonly '~sig': QuietSig;
  override readonly options: z.output<typeof schema>;
  private fds = new Map<string, number>();
  /** Event files written in this run, by mode and data set. */
  readonly files = new Map<string, string>();

  constructor(options: TensorBoardOptions) {
    const o = parseOptions(new.target.name, schema, options);
    super({ ...(o.mode !== undefined ? { mode: o.mode } : {}), ...(o.dsId !== undefined ? { dsId: o.dsId } : {}) });
    checkWritable(o.logDir, 'TensorBoard', 'logDir');
    this.options = o;
  }

  private fd(mode: Mode, dsId: string): number {
    const run = dsId ? `${mode}_${dsId}` : mode;
    let fd = this.fds.get(run);
    if (fd !== undefined) return fd;
    const dir = path.join(this.options.logDir, safeFileName(this.system.experimentName), safeFileName(run));
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}.${process.pid}`);
    fd = fs.openSync(file, 'a');
    this.fds.set(run, fd);
    this.files.set(run, file);
    fs.writeSync(fd, tfRecord(encodeEvent({ wallTime: Date.now() / 1000, step: 0, fileVersion: 'brain.Event:2' })));
    return fd;
  }

  /** Values are read one hook later, so that traces running after this one have written theirs too. */
  private pending: { mode: Mode; dsId: string; step: number; values: () => SummaryValue[] }[] = [];

  private defer(values: () => SummaryValue[]): void {
    const s = this.system;
    this.pending.push({ mode: s.mode, dsId: s.dsId, step: s.globalStep, values });
  }

  private flush(): void {
    for (const p of this.pending) {
      const values = p.values();
      if (values.length > 0)
        fs.writeSync(this.fd(p.mode, p.dsId), tfRecord(encodeEvent({ wallTime: Date.now() / 1000, step: p.step, values })));
    }
    this.pending = [];
  }

  override onBegin(): void {
    this.close();
    this.pending = [];
    if (!this.options.writeGraph) return;
    const graphs = this.options.models.map((m) => ({ tag: `graph/${getModelName(m)}`, text: describeStructure(m) }));
    this.defer(() => graphs);
    this.flush();
  }

  override onEpochBegin(): void {
    this.flush();
  }

  override onBatchEnd(data: Data): void {
    this.flush();
    const s = this.system;
    const f = this.options.updateFreq;
    if (s.mode !== 'train' || f === 'epoch' || s.globalStep % f !== 0) return;
    const batchScalars = scalars(Object.entries(data.batch)).filter((v) => !data.logs.has(v.tag));
    const logs = data.logs;
    this.defer(() => [...batchScalars, ...scalars(logs)]);
  }

  override onEpochEnd(data: Data): void {
    this.flush();
    const logs = data.logs;
    this.defer(() => scalars(logs));
    for (const fd of this.fds.values()) fs.fsyncSync(fd);
  }

  override onEnd(data: Data): void {
    this.flush();
    const logs = data.logs;
    this.defer(() => scalars(logs));
    this.flush();
    this.close();
  }

  private close(): void {
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
  }
}
