/** `@fets/estimator/seqeval`: the port of seqeval (entities, chunks, reports), usable without the training loop. */
export { getEntities } from './chunks.js';
export { extractEntities } from './entities.js';
export { formatSeqevalReport } from './format.js';
export { seqevalReport } from './report.js';
export { entitySpans } from './spans.js';
export type { EntitySpan } from './spans.js';
export type { SeqevalReport, SeqevalRow } from './report.js';
