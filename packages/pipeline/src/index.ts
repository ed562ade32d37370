/**
 * @fets/pipeline: the data half of fets. Explicit exports, grouped by idea.
 * @packageDocumentation
 */
// core
export { FetsError, ConfigError, PipelineError, DataFormatError, OpError, describeValue } from './core/errors.js';
export { MODES, parseModes, parseDsIds, checkDsId, modeMatches, dsIdMatches } from './core/mode.js';
export type { Mode, ModeSpec, DsIdSpec, DsIdSelector, Selectable } from './core/mode.js';
export { getCurrentItems } from './core/select.js';
export {
  keysSchema,
  modeSpecSchema,
  dsIdSpecSchema,
  parseOptions,
  formatIssues,
  toKeyList,
  nearestName,
} from './core/options.js';
export { metaKeys } from './core/metaKeys.js';
export type { MetaKeys, WrappedOp } from './core/metaKeys.js';
export { Op, opOptionsSchema } from './core/op.js';
export type { DataDict, OpOptions, OpOptionsIn, OpOptionsOut, OpSchema } from './core/op.js';
export { NDArray, makeData } from './core/ndarray.js';
export type { DType, NDData, Nested } from './core/ndarray.js';
// schedule
export { Scheduler, resolveScheduled, allScheduledValues } from './schedule/scheduler.js';
export type { Schedulable } from './schedule/scheduler.js';
export { EpochScheduler } from './schedule/epochScheduler.js';
export { RepeatScheduler } from './schedule/repeatScheduler.js';
// datasets
export { Dataset, IterableDataset } from './datasets/dataset.js';
export type { DataSource } from './datasets/dataset.js';
// ops
export { NumpyOp, FilteredData, gatherInputs, scatterOutputs } from './ops/numpyOp.js';
export type { PipelineState } from './ops/numpyOp.js';
export { LambdaOp, Delete } from './ops/lambdaOp.js';
export type { LambdaOpOptions } from './ops/lambdaOp.js';
export { RemoveIf } from './ops/removeIf.js';
export type { RemoveIfOptions } from './ops/removeIf.js';
export { Batch } from './ops/batch.js';
export type { BatchOptions } from './ops/batch.js';
export { collate, collateKey } from './ops/collate.js';
export { Sometimes } from './ops/meta/sometimes.js';
export { OneOf } from './ops/meta/oneOf.js';
export { Repeat } from './ops/meta/repeat.js';
export { Fuse } from './ops/meta/fuse.js';
// pipeline
export { Pipeline, prefetched } from './pipeline/pipeline.js';
export type { PipelineOptions, DataInput, EpochRequest } from './pipeline/pipeline.js';
export type { EpochPlan, BatchSizeSpec } from './pipeline/plan.js';
export type { OpProfile } from './pipeline/producer.js';
export type { BenchmarkResult, OpTiming } from './pipeline/benchmark.js';
export { AsyncQueue } from './pipeline/asyncQueue.js';
// datasets: seeded random numbers (core/random.ts)
export { seededRandom, randomInt, shuffleInPlace, permutation } from './core/random.js';
export type { Rng } from './core/random.js';
// text (BERT WordPiece tokenizer, text ops)
export { BertWordPieceTokenizer, TokenizerError, bertTokenizerOptionsSchema } from './text/bertWordPieceTokenizer.js';
export type { BertTokenizerOptions, EncodeOptions, Encoding } from './text/bertWordPieceTokenizer.js';
export { basicTokenize } from './text/basicTokenizer.js';
export type { BasicTokenizeOptions } from './text/basicTokenizer.js';
export { isBertWhitespace, isBertControl, isBertPunctuation, isCjkChar, stripAccents } from './text/charClasses.js';
export { parseVocab, loadVocabFile, VocabError } from './text/vocab.js';
export { wordPieceIds, maxPieceLength } from './text/wordpiece.js';
export type { WordPieceVocab } from './text/wordpiece.js';
export { Tokenize, splitWhitespace } from './ops/text/tokenize.js';
export type { TokenizeOptions } from './ops/text/tokenize.js';
export { WordtoId } from './ops/text/wordToId.js';
export type { WordtoIdOptions, TokenMapping } from './ops/text/wordToId.js';
export { PadSequence } from './ops/text/padSequence.js';
export type { PadSequenceOptions } from './ops/text/padSequence.js';
export { AttentionMask } from './ops/text/attentionMask.js';
export type { AttentionMaskOptions } from './ops/text/attentionMask.js';
export { BertTokenize } from './ops/text/bertTokenize.js';
export type { BertTokenizeOptions, BertTokenizeOutput } from './ops/text/bertTokenize.js';
// datasets: map-style and streaming data sets, split, label vocabulary, NER loaders
export { ViewDataset, SubsetDataset } from './datasets/view.js';
export { splitIndices, SplitError } from './datasets/split.js';
export type { SplitSpec, SplitOptions } from './datasets/split.js';
export { NumpyDataset } from './datasets/numpyDataset.js';
export type { Column } from './datasets/numpyDataset.js';
export { GeneratorDataset, GeneratorError } from './datasets/generatorDataset.js';
export type { GeneratorDatasetOptions, SampleIterable } from './datasets/generatorDataset.js';
export { CSVDataset } from './datasets/csvDataset.js';
export type { CSVDatasetOptions } from './datasets/csvDataset.js';
export { JSONLDataset } from './datasets/jsonlDataset.js';
export type { JSONLDatasetOptions } from './datasets/jsonlDataset.js';
export { ConllDataset, ConllFormatError, CONLL_FORMATS } from './datasets/conllDataset.js';
export type { ConllDatasetOptions, ConllFormat, ConllLayout, ConllText } from './datasets/conllDataset.js';
export { LabelVocab, LabelError } from './datasets/labelVocab.js';
export type { LabelVocabOptions, LabelVocabJSON } from './datasets/labelVocab.js';
export { mitMovie, MIT_MOVIE_URL } from './datasets/ner/mitMovie.js';
export type { MitMovieOptions, NerData } from './datasets/ner/mitMovie.js';
export { bc5cdrChem } from './datasets/ner/bc5cdrChem.js';
export type { Bc5cdrChemOptions } from './datasets/ner/bc5cdrChem.js';
export { locateFiles, envFlag, DatasetNotFoundError } from './datasets/ner/locate.js';
export type { LocateRequest } from './datasets/ner/locate.js';
// io: line reading, CSV parsing, downloads (datasets area)
export { decodeUtf8, splitLines, readLines, countNonBlankLines } from './io/lines.js';
export type { NumberedLine } from './io/lines.js';
export { parseCsv, isNumericColumn } from './io/csv.js';
export type { CsvRecord } from './io/csv.js';
export { downloadFile, DownloadError } from './io/download.js';
export type { DownloadOptions, ProgressStream } from './io/download.js';
// datasets: the Brown corpus (POS tagging, plain text)
export {
  BrownDataset,
  brown,
  brownText,
  brownRootDir,
  simplifyBrownTag,
  splitBrownToken,
  BrownNotFoundError,
  BrownFormatError,
  BROWN_FILE_PATTERN,
} from './datasets/brown.js';
export type { BrownDatasetOptions, BrownTextOptions, BrownLoadOptions, BrownData, BrownSource } from './datasets/brown.js';
// faults catalogue: where a failing sample came from
export type { SampleLocation } from './core/errors.js';
export { DataFileError } from './core/errors.js';
// pretraining text: documents, sentence packing, masked-LM corruption
export {
  parseTextDocuments,
  readTextDocuments,
  conllDocuments,
  brownDocuments,
  splitDocuments,
  countDocuments,
  PretrainTextError,
} from './datasets/pretrain/documents.js';
export type { TextDocument, ConllDocumentsOptions } from './datasets/pretrain/documents.js';
export { packSentences, PackedDataset } from './datasets/pretrain/packSentences.js';
export type { PackSentencesOptions, PackStats } from './datasets/pretrain/packSentences.js';
export { MaskTokens, MASK_TOKENS_OUTPUTS } from './ops/text/maskTokens.js';
export type { MaskTokensOptions, MaskTokensOutput } from './ops/text/maskTokens.js';
// length-grouped batching
export { bucketGroups } from './pipeline/producer.js';
