/**
 * @fets/estimator: the training loop (Estimator, System, Summary), the traces, schedules, inference helpers and the
 * `fets` command line. Explicit exports, grouped by area and sorted; seqeval's functions are at
 * `@fets/estimator/seqeval` (also `fe.seqeval`).
 * @packageDocumentation
 */

// the one-stop namespaces: `import * as fe from '@fets/estimator'` → fe.op, fe.trace, fe.dataset, ...
export * as architecture from './fe/architecture.js';
export * as dataset from './fe/dataset.js';
export * as io from './fe/io.js';
export * as op from './fe/op.js';
export * as optimizer from './fe/optimizer.js';
export * as schedule from './fe/schedule.js';
export * as seqeval from './traces/metric/seqeval/index.js';
export * as text from './fe/text.js';
export * as trace from './fe/trace.js';

// the framework's main classes at the top level, as `fastestimator` has them
export { build, feedForward, getBackendInfo, initBackend, Network } from '@fets/network';
export type { BackendInfo, Model } from '@fets/network';
export {
  ConfigError,
  DataFormatError,
  EpochScheduler,
  FetsError,
  NDArray,
  OpError,
  opOptionsSchema,
  parseOptions,
  Pipeline,
  PipelineError,
  RepeatScheduler,
  seededRandom,
} from '@fets/pipeline';
export type { DataDict, Mode } from '@fets/pipeline';

// core: the loop's state, the trace base, data handed to traces, ordering, determinism
export { Data } from './core/data.js';
export { deterministicSeed, disableDeterministic, enableDeterministic, getRandomState, setRandomState } from './core/deterministic.js';
export { sortTraces, TraceGraphError } from './core/sortTraces.js';
export { byOrder, TRACE_ORDER } from './core/traceOrder.js';
export type { TraceOrder } from './core/traceOrder.js';
export { System } from './core/system.js';
export type { SystemState } from './core/system.js';
export { Trace } from './core/trace.js';
export type { TraceHook, TraceOptions } from './core/trace.js';
export type {
  BatchOf,
  CheckedTraces,
  MetricSig,
  NetworkOut,
  OptionOf,
  QuietSig,
  QuietWrites,
  TraceSig,
  TraceWrites,
  Uses,
} from './core/traceKeys.js';

// estimator: fit / test, interrupts
export { Estimator, EstimatorError } from './estimator/estimator.js';
export type { EstimatorOptions, TypedEstimatorOptions } from './estimator/estimator.js';
export { INTERRUPT_EXIT_CODE, InterruptWatch, TrainingInterruptedError } from './estimator/interrupt.js';
export type { NetworkLike } from './core/networkLike.js';

// distributed: traces that combine their epoch state across the ranks of a data-parallel job
export { isRankReducible, reduceTraces } from './distributed/rankReducible.js';
export type { RankReducible } from './distributed/rankReducible.js';
export { lockstep } from './distributed/lockstep.js';
export { interleave } from './distributed/interleave.js';
// summary and plots
export { batchGrid } from './plot/batchGrid.js';
export type { BatchGridOptions } from './plot/batchGrid.js';
export { parseLogFile, parseLoggedValue } from './plot/parseLogFile.js';
export { plotPoints, visualizeLogs } from './plot/visualizeLogs.js';
export type { PlotPoint, VisualizeLogsOptions } from './plot/visualizeLogs.js';
export { Summary } from './summary/summary.js';
export type { History } from './summary/summary.js';

// schedule: learning-rate schedules
export { cosineDecay, linearWarmupDecay, ScheduleError, warmupSteps } from './schedule/lrSchedules.js';
export type { CosineDecayOptions, LinearWarmupDecayOptions, LrFn, ScheduleContext } from './schedule/lrSchedules.js';

// traces/adapt: EarlyStopping, LRScheduler, ReduceLROnPlateau, TerminateOnNaN, and what a custom one compares with
export { improves, monitoredValue } from './traces/adapt/compare.js';
export type { CompareMode } from './traces/adapt/compare.js';
export { EarlyStopping } from './traces/adapt/earlyStopping.js';
export type { EarlyStoppingOptions } from './traces/adapt/earlyStopping.js';
export { LRScheduler } from './traces/adapt/lrScheduler.js';
export type { LRSchedulerOptions } from './traces/adapt/lrScheduler.js';
export { ReduceLROnPlateau } from './traces/adapt/reduceLROnPlateau.js';
export type { ReduceLROnPlateauOptions } from './traces/adapt/reduceLROnPlateau.js';
export { TerminateOnNaN } from './traces/adapt/terminateOnNaN.js';
export type { NaNDetection, TerminateOnNaNOptions } from './traces/adapt/terminateOnNaN.js';

// traces/io: logging, savers, checkpoints, predictions, profiling
export { BestModelSaver } from './traces/io/bestModelSaver.js';
export type { BestModelSaverOptions } from './traces/io/bestModelSaver.js';
export { CheckpointAverage } from './traces/io/checkpointAverage.js';
export type { CheckpointAverageOptions } from './traces/io/checkpointAverage.js';
export { CheckpointError, CheckpointStore } from './traces/io/checkpointStore.js';
export type { CheckpointManifest, StoredCheckpoint } from './traces/io/checkpointStore.js';
export { CSVLogger } from './traces/io/csvLogger.js';
export type { CSVLoggerOptions } from './traces/io/csvLogger.js';
export { EvalEssential, TrainEssential } from './traces/io/essentials.js';
export { checkWritable, OutputDirError, safeFileName } from './traces/io/fileSafety.js';
export { lineWriterSchema, resolveWriter } from './traces/io/lineWriter.js';
export type { LineWriter } from './traces/io/lineWriter.js';
export { Logger } from './traces/io/logger.js';
export type { LoggerOptions } from './traces/io/logger.js';
export { ModelSaver } from './traces/io/modelSaver.js';
export type { ModelSaverOptions } from './traces/io/modelSaver.js';
export { loadModelWeights, nonFiniteWeight, saveModelWeights, serializeModelWeights } from './traces/io/modelWeights.js';
export { Profiler } from './traces/io/profiler.js';
export type { ProfilerOptions } from './traces/io/profiler.js';
export { RestoreWizard } from './traces/io/restoreWizard.js';
export type { RestoreWizardOptions, StatefulTrace } from './traces/io/restoreWizard.js';
export { TagPredictions } from './traces/io/tagPredictions.js';
export type { PredictedSpan, TagPredictionsOptions } from './traces/io/tagPredictions.js';
export { TensorBoard } from './traces/io/tensorboard/tensorBoard.js';
export type { TensorBoardOptions } from './traces/io/tensorboard/tensorBoard.js';

// traces/metric: classification metrics, SeqEval, and what a custom metric reads its inputs with
export { Accuracy } from './traces/metric/accuracy.js';
export type { AccuracyOptions } from './traces/metric/accuracy.js';
export { ClassCounts } from './traces/metric/classCounts.js';
export type { Average, LabelCount } from './traces/metric/classCounts.js';
export { ConfusionMatrix } from './traces/metric/confusionMatrix.js';
export type { ConfusionMatrixOptions } from './traces/metric/confusionMatrix.js';
export { MetricInputError, readLabelPairs } from './traces/metric/labels.js';
export type { LabelPairs, LabelReadOptions } from './traces/metric/labels.js';
export { classificationOptionsSchema, metricTraceOptions } from './traces/metric/metricOptions.js';
export { F1Score, Precision, Recall } from './traces/metric/precisionRecallF1.js';
export type { PrecisionRecallF1Options } from './traces/metric/precisionRecallF1.js';
export { SeqEval } from './traces/metric/seqEval.js';
export type { SeqEvalOptions, SeqEvalOutputs } from './traces/metric/seqEval.js';

// predict and export: raw text through a trained token classifier
export { EXPORT_FORMATS, ExportError, exportModelFolder, exportTokenClassifier } from './cli/export.js';
export type { ExportFormat } from './cli/export.js';
export { formatTagged, PredictInputError, predictStream } from './cli/predict.js';
export type { PredictStats, PredictStreamOptions } from './cli/predict.js';
export { TaggerError, TokenTagger } from './predict/tokenTagger.js';
export type { TaggedSentence, TokenTaggerOptions } from './predict/tokenTagger.js';
// the model folder: one folder (Hugging Face's files plus fets.json) that runs anywhere, checked on load
export { addFilesToModelFolder, copyModelFolder, isFolderPath, loadModelFolder } from './modelFolder/loadModelFolder.js';
export { addInt8ToModelFolder, QUANTIZE_SCHEMES } from './modelFolder/int8Folder.js';
export type { QuantizeScheme } from './modelFolder/int8Folder.js';
export { checkModelFolderSpec, modelFolderSpecSchema, saveModelFolder } from './modelFolder/saveModelFolder.js';
export type { ModelFolderSpec } from './modelFolder/saveModelFolder.js';
export {
  ModelFolderChecksumError,
  ModelFolderError,
  ModelFolderFormatError,
  ModelFolderMismatchError,
  ModelFolderMissingError,
  ModelFolderTypeError,
} from '@fets/network';
export type { CrfScores, LoadedModelFolder, ModelFolderHead, ModelFolderManifest } from '@fets/network';

// cli: the `fets` command line, experiment files, parameters and overrides, script arguments
export { CheckError, checkEstimator, describeShape, formatCheckReport } from './cli/check.js';
export type { CheckReport, ModeCheck, OpLine } from './cli/check.js';
export { createProgram, formatParams, runCli } from './cli/commands.js';
export type { CliIO } from './cli/commands.js';
export { ConfigFileError, deepMerge, readConfigFile } from './cli/configFile.js';
export type { ConfigFile } from './cli/configFile.js';
export { buildExperiment, defineExperiment, ExperimentError, isExperiment, loadExperiment } from './cli/experiment.js';
export type { Experiment, ExperimentCommand, ExperimentContext, ExperimentDefinition, LoadedExperiment } from './cli/experiment.js';
export { LoadWeightsError, loadSavedWeights } from './cli/loadWeights.js';
export type { LoadedWeights } from './cli/loadWeights.js';
export { checkSetPath, parseSetOverride, resolveParams, setAtPath, validateParams } from './cli/params.js';
export type { ParamSources, ResolvedParams, SetOverride } from './cli/params.js';
export { compareRuns, parseCsvLog, readRunFile, readRuns, RunFileError } from './cli/runFiles.js';
export type { SavedRun } from './cli/runFiles.js';
export { findPathMiss, schemaPaths } from './cli/schemaPath.js';
export type { PathMiss } from './cli/schemaPath.js';
export { readScriptParams, runScript, ScriptArgsError, ScriptHelp, scriptUsage } from './cli/scriptArgs.js';
export { say, writeResult } from './cli/scriptOutput.js';
