/** @fets/estimator. Explicit exports, grouped by idea. @packageDocumentation */
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
export { entitySpans } from './traces/metric/seqeval/spans.js';
export type { EntitySpan } from './traces/metric/seqeval/spans.js';
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
// traces/metric: classification metrics and SeqEval traces
export { Accuracy } from './traces/metric/accuracy.js';
export type { AccuracyOptions } from './traces/metric/accuracy.js';
export { Precision, Recall, F1Score } from './traces/metric/precisionRecallF1.js';
export type { PrecisionRecallF1Options } from './traces/metric/precisionRecallF1.js';
export { ConfusionMatrix } from './traces/metric/confusionMatrix.js';
export type { ConfusionMatrixOptions } from './traces/metric/confusionMatrix.js';
export { ClassCounts } from './traces/metric/classCounts.js';
export type { Average, LabelCount } from './traces/metric/classCounts.js';
export { MetricInputError, readLabelPairs, argmaxLastAxis, asNDArray } from './traces/metric/labels.js';
export type { LabelPairs, LabelReadOptions } from './traces/metric/labels.js';
export { classificationOptionsSchema, metricTraceOptions } from './traces/metric/metricOptions.js';
export { SeqEval } from './traces/metric/seqEval.js';
export type { SeqEvalOptions } from './traces/metric/seqEval.js';
export { TagPredictions } from './traces/io/tagPredictions.js';
// predict: raw text through a trained token-classification experiment
export { TaggerError, TokenTagger } from './predict/tokenTagger.js';
export type { TaggedSentence, TokenTaggerOptions } from './predict/tokenTagger.js';
export { PredictInputError, formatTagged, predictStream } from './cli/predict.js';
export { ExportError, exportTokenClassifier } from './cli/export.js';
export { ScriptArgsError, ScriptHelp, readScriptParams, runScript, scriptUsage } from './cli/scriptArgs.js';
export type { ExportedTokenization } from './cli/export.js';
export type { PredictStats, PredictStreamOptions } from './cli/predict.js';
export type { PredictedSpan, TagPredictionsOptions } from './traces/io/tagPredictions.js';
// traces/metric: seqeval text report
export { formatSeqevalReport } from './traces/metric/seqeval/format.js';
// schedule: learning-rate schedules
export { linearWarmupDecay, cosineDecay, warmupSteps, ScheduleError } from './schedule/lrSchedules.js';
export type { LrFn, ScheduleContext, LinearWarmupDecayOptions, CosineDecayOptions } from './schedule/lrSchedules.js';
// traces/adapt: EarlyStopping, LRScheduler, ReduceLROnPlateau, TerminateOnNaN
export { EarlyStopping } from './traces/adapt/earlyStopping.js';
export type { EarlyStoppingOptions } from './traces/adapt/earlyStopping.js';
export { LRScheduler } from './traces/adapt/lrScheduler.js';
export type { LRSchedulerOptions } from './traces/adapt/lrScheduler.js';
export { ReduceLROnPlateau } from './traces/adapt/reduceLROnPlateau.js';
export type { ReduceLROnPlateauOptions } from './traces/adapt/reduceLROnPlateau.js';
export { TerminateOnNaN, firstNonFinite } from './traces/adapt/terminateOnNaN.js';
export type { TerminateOnNaNOptions, NaNDetection } from './traces/adapt/terminateOnNaN.js';
export { improves, monitoredValue } from './traces/adapt/compare.js';
export type { CompareMode } from './traces/adapt/compare.js';
export { lineWriterSchema, resolveWriter } from './traces/io/lineWriter.js';
export type { LineWriter } from './traces/io/lineWriter.js';
// the one-stop namespaces: `import * as fe from '@fets/estimator'` → fe.op, fe.trace, fe.dataset, ...
export * as op from './fe/op.js';
export * as trace from './fe/trace.js';
export * as dataset from './fe/dataset.js';
export * as schedule from './fe/schedule.js';
export * as architecture from './fe/architecture.js';
export * as text from './fe/text.js';
export * as io from './fe/io.js';
export * as optimizer from './fe/optimizer.js';
// the framework's main classes at the top level, as `fastestimator` has them
export {
  Pipeline,
  NDArray,
  FetsError,
  ConfigError,
  PipelineError,
  DataFormatError,
  OpError,
  EpochScheduler,
  RepeatScheduler,
  opOptionsSchema,
  parseOptions,
} from '@fets/pipeline';
export type { DataDict, Mode } from '@fets/pipeline';
export { Network, build, feedForward } from '@fets/network';
export type { Model } from '@fets/network';
// traces/io: savers, CSV, TensorBoard, file safety
export { BestModelSaver } from './traces/io/bestModelSaver.js';
export type { BestModelSaverOptions } from './traces/io/bestModelSaver.js';
export { ModelSaver } from './traces/io/modelSaver.js';
export type { ModelSaverOptions } from './traces/io/modelSaver.js';
export { CSVLogger, csvField } from './traces/io/csvLogger.js';
export type { CSVLoggerOptions } from './traces/io/csvLogger.js';
export { TensorBoard, describeStructure } from './traces/io/tensorboard/tensorBoard.js';
export type { TensorBoardOptions } from './traces/io/tensorboard/tensorBoard.js';
export { encodeEvent, tfRecord } from './traces/io/tensorboard/eventFile.js';
export type { EventRecord, SummaryValue } from './traces/io/tensorboard/eventFile.js';
export { crc32c, maskedCrc32c } from './traces/io/tensorboard/crc32c.js';
export { checkWritable, writeFileAtomic, safeFileName, OutputDirError } from './traces/io/fileSafety.js';
export { saveModelWeights, loadModelWeights, serializeModelWeights } from './traces/io/modelWeights.js';
// plot: curves from Summaries, log parsing
export { visualizeLogs, plotPoints } from './plot/visualizeLogs.js';
export type { VisualizeLogsOptions, PlotPoint } from './plot/visualizeLogs.js';
export { parseLogFile, parseLoggedValue } from './plot/parseLogFile.js';
// backend selection (node-gpu → node → wasm → cpu; FETS_BACKEND forces one)
export { initBackend, getBackendInfo } from '@fets/network';
export type { BackendInfo } from '@fets/network';
// traces/io: full-state checkpoints
export { RestoreWizard, CheckpointError } from './traces/io/restoreWizard.js';
export type { RestoreWizardOptions, StatefulTrace } from './traces/io/restoreWizard.js';
// traces/io: Profiler (kernel times of chosen training steps)
export { Profiler } from './traces/io/profiler.js';
export type { ProfilerOptions } from './traces/io/profiler.js';
export { KernelTimer, ProfileError, profileKernelTimes, formatStepProfile } from './traces/io/kernelTimes.js';
export type { StepProfile, StepProfileRow, KernelTimerOptions } from './traces/io/kernelTimes.js';
// cli: the `fets` command line (train / test / check / logs / plot), experiment files, parameter files and overrides
export { defineExperiment, isExperiment, loadExperiment, buildExperiment, ExperimentError } from './cli/experiment.js';
export type { Experiment, ExperimentDefinition, ExperimentContext, ExperimentCommand, LoadedExperiment } from './cli/experiment.js';
export { readConfigFile, deepMerge, ConfigFileError } from './cli/configFile.js';
export type { ConfigFile } from './cli/configFile.js';
export { resolveParams, validateParams, parseSetOverride, setAtPath, checkSetPath } from './cli/params.js';
export type { SetOverride, ParamSources, ResolvedParams } from './cli/params.js';
export { findPathMiss, schemaPaths } from './cli/schemaPath.js';
export type { PathMiss } from './cli/schemaPath.js';
export { checkEstimator, formatCheckReport, describeShape, CheckError } from './cli/check.js';
export type { CheckReport, ModeCheck, OpLine } from './cli/check.js';
export { loadSavedWeights, LoadWeightsError } from './cli/loadWeights.js';
export type { LoadedWeights } from './cli/loadWeights.js';
export { readRunFile, readRuns, parseCsvLog, compareRuns, RunFileError } from './cli/runFiles.js';
export type { SavedRun } from './cli/runFiles.js';
export { runCli, createProgram, formatParams } from './cli/commands.js';
export type { CliIO } from './cli/commands.js';
// faults catalogue: failed saves, non-finite weights, interrupted fits
export { SaveError } from './traces/io/fileSafety.js';
export { nonFiniteWeight } from './traces/io/modelWeights.js';
export { TrainingInterruptedError, InterruptWatch, INTERRUPT_EXIT_CODE } from './estimator/interrupt.js';
// seeded random numbers for data handling (e.g. fixed masks of an MLM eval set)
export { seededRandom } from '@fets/pipeline';
