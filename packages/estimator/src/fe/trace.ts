/** `fe.trace`: every trace, and the seqeval functions behind SeqEval. */
export { Trace } from '../core/trace.js';
export { Logger } from '../traces/io/logger.js';
export { Accuracy } from '../traces/metric/accuracy.js';
export { Precision, Recall, F1Score } from '../traces/metric/precisionRecallF1.js';
export { ConfusionMatrix } from '../traces/metric/confusionMatrix.js';
export { SeqEval } from '../traces/metric/seqEval.js';
export { EarlyStopping } from '../traces/adapt/earlyStopping.js';
export { LRScheduler } from '../traces/adapt/lrScheduler.js';
export { ReduceLROnPlateau } from '../traces/adapt/reduceLROnPlateau.js';
export { TerminateOnNaN } from '../traces/adapt/terminateOnNaN.js';
export { BestModelSaver } from '../traces/io/bestModelSaver.js';
export { ModelSaver } from '../traces/io/modelSaver.js';
export { CSVLogger } from '../traces/io/csvLogger.js';
export { TensorBoard } from '../traces/io/tensorboard/tensorBoard.js';
export { seqevalReport } from '../traces/metric/seqeval/report.js';
export { getEntities } from '../traces/metric/seqeval/chunks.js';
export { formatSeqevalReport } from '../traces/metric/seqeval/format.js';
export { alignPredictions } from '../traces/metric/seqeval/align.js';
