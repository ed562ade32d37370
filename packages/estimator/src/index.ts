/** @fets/estimator. Explicit exports, grouped by idea. @packageDocumentation */
export {};
// traces/metric: seqeval (entity-level sequence-labelling metrics, pure functions)
export { seqevalReport } from './traces/metric/seqeval/report.js';
export type { SeqevalReport, SeqevalRow } from './traces/metric/seqeval/report.js';
export {
  precisionRecallFscoreSupport,
  countEntities,
  scoresFromCounts,
  seqevalOptionsSchema,
} from './traces/metric/seqeval/prf.js';
export type {
  SeqevalOptions,
  PrfOptions,
  PerTypeScores,
  AverageScores,
  EntityCounts,
} from './traces/metric/seqeval/prf.js';
export { getEntities, endOfChunk, startOfChunk } from './traces/metric/seqeval/chunks.js';
export type { Chunk } from './traces/metric/seqeval/chunks.js';
export { extractEntities } from './traces/metric/seqeval/entities.js';
export type { StrictEntity } from './traces/metric/seqeval/entities.js';
export { SCHEMES, SCHEME_RULES, autoDetectScheme, parseToken } from './traces/metric/seqeval/schemes.js';
export type { Scheme, SchemeRules } from './traces/metric/seqeval/schemes.js';
export { SeqevalLengthError, SeqevalTagError } from './traces/metric/seqeval/errors.js';
export { checkConsistentLength } from './traces/metric/seqeval/inputs.js';
export { alignPredictions } from './traces/metric/seqeval/align.js';
// core: loop state, trace base, data, ordering
export { System } from './core/system.js';
export type { SystemState } from './core/system.js';
export { Data } from './core/data.js';
export { Trace } from './core/trace.js';
export type { TraceOptions, TraceHook } from './core/trace.js';
export { sortTraces, TraceGraphError } from './core/sortTraces.js';
export { enableDeterministic, disableDeterministic, deterministicSeed, getRandomState, setRandomState } from './core/deterministic.js';
// summary
export { Summary } from './summary/summary.js';
export type { History } from './summary/summary.js';
// estimator
export { Estimator, EstimatorError } from './estimator/estimator.js';
export type { EstimatorOptions } from './estimator/estimator.js';
export type { NetworkLike, StepState } from './estimator/networkLike.js';
// traces/io: logging
export { Logger, formatValue } from './traces/io/logger.js';
export type { LoggerOptions } from './traces/io/logger.js';
export { TrainEssential, EvalEssential, scalarOf } from './traces/io/essentials.js';
