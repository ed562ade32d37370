/**
 * `@fets/estimator/seqeval` (also `fe.seqeval`): the port of seqeval (entities, chunks, scores, reports), usable
 * without the training loop.
 */
export { alignPredictions } from './align.js';
export { getEntities } from './chunks.js';
export type { Chunk } from './chunks.js';
export { extractEntities } from './entities.js';
export type { StrictEntity } from './entities.js';
export { SeqevalLengthError, SeqevalTagError } from './errors.js';
export { formatSeqevalReport } from './format.js';
export { precisionRecallFscoreSupport, seqevalOptionsSchema } from './prf.js';
export type { AverageScores, PerTypeScores, PrfOptions, SeqevalOptions } from './prf.js';
export { seqevalReport } from './report.js';
export type { SeqevalReport, SeqevalRow } from './report.js';
export { SCHEMES } from './schemes.js';
export type { Scheme } from './schemes.js';
export { entitySpans } from './spans.js';
export type { EntitySpan } from './spans.js';
