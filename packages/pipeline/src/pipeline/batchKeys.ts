/**
 * The keys a Pipeline's batch holds, at compile time (types only; see `core/keyGraph.ts`): the samples its data sets
 * declare, then what its ops write, per mode. A mode without a data set, and infer (whose samples are whatever
 * `pipeline.transform` is given), start from anything: only the run-time check applies there.
 */
import type { AfterOps, AnyKeys, SampleEntries } from '../core/keyGraph.js';
import type { Mode } from '../core/mode.js';
import type { Dataset, IterableDataset } from '../datasets/dataset.js';

/** The entries a data input gives in mode `M`: its sample's keys, or anything (several dsIds, a scheduler, untyped). */
export type SourceEntries<M extends Mode, D> = [D] extends [Dataset<infer S>]
  ? SampleEntries<M, S>
  : [D] extends [IterableDataset<infer S>]
    ? SampleEntries<M, S>
    : [M, string, any];

/** What a Pipeline's ops start from in each mode. */
export type PipelineSeed<Tr, Ev, Te> =
  | SourceEntries<'train', Tr>
  | SourceEntries<'eval', Ev>
  | SourceEntries<'test', Te>
  | ['infer', string, any];

/** The keys of a Pipeline's batch per mode, as `[mode, key, value]` entries. */
export type BatchEntries<Tr, Ev, Te, Ops> = AfterOps<Ops, PipelineSeed<Tr, Ev, Te>>;

/** The batch of a Pipeline whose keys are not known at compile time. */
export type AnyBatch = AnyKeys;
