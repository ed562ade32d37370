/** `fe.trace`: every trace (seqeval's functions are `fe.seqeval`). */
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
export { CheckpointAverage } from '../traces/io/checkpointAverage.js';
export { RestoreWizard } from '../traces/io/restoreWizard.js';
export { ModelSaver } from '../traces/io/modelSaver.js';
export { CSVLogger } from '../traces/io/csvLogger.js';
export { TensorBoard } from '../traces/io/tensorboard/tensorBoard.js';
export { TagPredictions } from '../traces/io/tagPredictions.js';
export { Profiler } from '../traces/io/profiler.js';
