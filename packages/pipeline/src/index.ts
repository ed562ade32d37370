/**
 * @fets/pipeline: the data half of fets (data sets, per-sample ops, batching, the Pipeline). Explicit exports,
 * grouped by area and sorted; the browser-safe tokenizers and text ops are also at `@fets/pipeline/text`.
 * @packageDocumentation
 */

// core: errors, modes, options, the op base, arrays, seeded random numbers
export {
  ConfigError,
  DataFileError,
  DataFormatError,
  describeValue,
  FetsError,
  OpError,
  PipelineError,
  SampleIndexError,
  ShapeError,
} from './core/errors.js';
export type { SampleLocation } from './core/errors.js';
export { metaKeys } from './core/metaKeys.js';
export type { MetaKeys, WrappedOp } from './core/metaKeys.js';
export { MODES, parseModes } from './core/mode.js';
export type { DsIdSelector, DsIdSpec, Mode, ModeSpec, Selectable } from './core/mode.js';
export { makeData, NDArray } from './core/ndarray.js';
export type { DType, NDData, Nested } from './core/ndarray.js';
export { Op, opOptionsSchema } from './core/op.js';
export type { DataDict, OpOptions, OpOptionsIn, OpOptionsOut, OpSchema } from './core/op.js';
export { dsIdSpecSchema, formatIssues, keysSchema, modeSpecSchema, nearestName, parseOptions, toKeyList } from './core/options.js';
export { permutation, randomInt, seededRandom, shuffleInPlace } from './core/random.js';
export type { Rng } from './core/random.js';
export { getCurrentItems } from './core/select.js';
// core/keyGraph: the key graph at compile time (types only)
export type {
  AllWrites,
  AnyKeys,
  CheckedNetworkOps,
  CheckedOps,
  DeleteSig,
  ElementProblem,
  FuseSig,
  KeyEntry,
  KeyIo,
  KeySig,
  KeysOf,
  KeyUse,
  MetaSig,
  ModesOf,
  ModeWords,
  NetworkKeys,
  NetworkKeysOf,
  NetworkProblem,
  SigFromOptions,
  SigOf,
  UnknownSig,
  UpdateSig,
} from './core/keyGraph.js';

// datasets: map-style and streaming data sets, views and splits, label vocabularies
export { Dataset, IterableDataset } from './datasets/dataset.js';
export type { DataSource } from './datasets/dataset.js';
export { CONLL_FORMATS, ConllDataset, ConllFormatError } from './datasets/conllDataset.js';
export type { ConllDatasetOptions, ConllSample, ConllFormat, ConllLayout, ConllText } from './datasets/conllDataset.js';
export { CSVDataset } from './datasets/csvDataset.js';
export type { CSVDatasetOptions } from './datasets/csvDataset.js';
export { GeneratorDataset, GeneratorError } from './datasets/generatorDataset.js';
export type { GeneratorDatasetOptions, SampleIterable } from './datasets/generatorDataset.js';
export { JSONLDataset } from './datasets/jsonlDataset.js';
export type { JSONLDatasetOptions } from './datasets/jsonlDataset.js';
export { LabelError, LabelVocab } from './datasets/labelVocab.js';
export type { LabelVocabJSON, LabelVocabOptions } from './datasets/labelVocab.js';
export { NumpyDataset } from './datasets/numpyDataset.js';
export type { Column, ColumnsSample } from './datasets/numpyDataset.js';
export { SplitError, splitIndices } from './datasets/split.js';
export type { SplitOptions, SplitSpec } from './datasets/split.js';
export { SubsetDataset, ViewDataset } from './datasets/view.js';
export { WINDOW_FIELDS, WindowedDataset } from './datasets/windowedDataset.js';
export type { WindowedDatasetOptions } from './datasets/windowedDataset.js';

// datasets: ready-made loaders (images, NER sets, the Brown corpus, pretraining text)
export { CIFAR10_URL, cifar10, parseCifarBatches } from './datasets/image/cifar10.js';
export type { Cifar10Options } from './datasets/image/cifar10.js';
export { parseIdx } from './datasets/image/idx.js';
export type { IdxArray } from './datasets/image/idx.js';
export { ImageArrayDataset } from './datasets/image/imageArrayDataset.js';
export { ImageFolderDataset } from './datasets/image/imageFolderDataset.js';
export { FASHION_MNIST_URL, fashionMnist, MNIST_URL, mnist, mnistDigits } from './datasets/image/mnist.js';
export type { IdxLoadOptions, ImageData, MnistDigitsOptions } from './datasets/image/mnist.js';
export {
  BROWN_FILE_PATTERN,
  BrownDataset,
  BrownFormatError,
  BrownNotFoundError,
  brown,
  brownRootDir,
  brownText,
  simplifyBrownTag,
  splitBrownToken,
} from './datasets/brown.js';
export type { BrownData, BrownDatasetOptions, BrownLoadOptions, BrownSource, BrownTextOptions } from './datasets/brown.js';
export { bc5cdrChem } from './datasets/ner/bc5cdrChem.js';
export type { Bc5cdrChemOptions } from './datasets/ner/bc5cdrChem.js';
export { DatasetNotFoundError, envFlag, loaderOptionsSchema, locateFiles } from './datasets/ner/locate.js';
export type { LocateRequest } from './datasets/ner/locate.js';
export { MIT_MOVIE_URL, mitMovie } from './datasets/ner/mitMovie.js';
export type { MitMovieOptions, NerData } from './datasets/ner/mitMovie.js';
export {
  brownDocuments,
  conllDocuments,
  countDocuments,
  PretrainTextError,
  parseTextDocuments,
  readTextDocuments,
  splitDocuments,
} from './datasets/pretrain/documents.js';
export type { ConllDocumentsOptions, TextDocument } from './datasets/pretrain/documents.js';
export { PackedDataset, packSentences } from './datasets/pretrain/packSentences.js';
export type { PackSentencesOptions, PackStats } from './datasets/pretrain/packSentences.js';

// io: lines, CSV, downloads
export { parseCsv } from './io/csv.js';
export type { CsvRecord } from './io/csv.js';
export { DownloadError, downloadFile } from './io/download.js';
export type { DownloadOptions, ProgressStream } from './io/download.js';
export { decodeImageFile, encodePng } from './io/imageFile.js';
export type { DecodedImage } from './io/imageFile.js';
export { countNonBlankLines, decodeUtf8, readLines, splitLines } from './io/lines.js';
export type { NumberedLine } from './io/lines.js';

// ops: the NumpyOp base, general ops, meta ops
export { Batch } from './ops/batch.js';
export type { BatchOptions } from './ops/batch.js';
export { Delete, LambdaOp } from './ops/lambdaOp.js';
export type { LambdaOpOptions } from './ops/lambdaOp.js';
export { Fuse } from './ops/meta/fuse.js';
export { OneOf } from './ops/meta/oneOf.js';
export { Repeat } from './ops/meta/repeat.js';
export { Sometimes } from './ops/meta/sometimes.js';
export { FilteredData, gatherInputs, NumpyOp, scatterOutputs } from './ops/numpyOp.js';
export type { PipelineState } from './ops/numpyOp.js';
export { RemoveIf } from './ops/removeIf.js';
export type { RemoveIfOptions } from './ops/removeIf.js';

// ops/image: FastEstimator's image ops (univariate: pixel values; geometric: an image and its masks moved together)
export { Affine, affineOptions, Rotate, rotateOptions } from './ops/image/affine.js';
export type { AffineOptions, RotateOptions } from './ops/image/affine.js';
export { ChannelTranspose } from './ops/image/channelTranspose.js';
export { CoarseDropout, coarseDropoutOptions } from './ops/image/coarseDropout.js';
export type { CoarseDropoutOptions } from './ops/image/coarseDropout.js';
export { CenterCrop, cropOptions, RandomCrop } from './ops/image/crop.js';
export type { CropOptions } from './ops/image/crop.js';
export { ExpandDims, expandDimsOptions } from './ops/image/expandDims.js';
export type { ExpandDimsOptions } from './ops/image/expandDims.js';
export { flipOptions, HorizontalFlip, VerticalFlip } from './ops/image/flip.js';
export type { FlipOptions } from './ops/image/flip.js';
export { GeometricOp, geometricOptions } from './ops/image/geometric.js';
export type { GeometricOptions } from './ops/image/geometric.js';
export { eachInput, readImage, toNDArray } from './ops/image/image.js';
export type { Image } from './ops/image/image.js';
export { Minmax } from './ops/image/minmax.js';
export { Normalize, normalizeOptions } from './ops/image/normalize.js';
export type { NormalizeOptions } from './ops/image/normalize.js';
export { Onehot, onehotOptions } from './ops/image/onehot.js';
export { ReadImage, readImageOptions } from './ops/image/readImage.js';
export type { ReadImageOptions } from './ops/image/readImage.js';
export type { OnehotOptions } from './ops/image/onehot.js';
export { PadIfNeeded, padIfNeededOptions } from './ops/image/padIfNeeded.js';
export type { PadIfNeededOptions } from './ops/image/padIfNeeded.js';
export { Resize, resizeOptions } from './ops/image/resize.js';
export type { ResizeOptions } from './ops/image/resize.js';

// ops/text and text: tokenizers and text ops
export { AttentionMask } from './ops/text/attentionMask.js';
export type { AttentionMaskOptions } from './ops/text/attentionMask.js';
export { BertTokenize } from './ops/text/bertTokenize.js';
export type { BertTokenizeOptions, BertTokenizeOutput } from './ops/text/bertTokenize.js';
export { MASK_TOKENS_OUTPUTS, MaskTokens } from './ops/text/maskTokens.js';
export type { MaskTokensOptions, MaskTokensOutput } from './ops/text/maskTokens.js';
export { PadSequence } from './ops/text/padSequence.js';
export type { PadSequenceOptions } from './ops/text/padSequence.js';
export { splitWhitespace, Tokenize } from './ops/text/tokenize.js';
export type { TokenizeOptions } from './ops/text/tokenize.js';
export { WordtoId } from './ops/text/wordToId.js';
export type { TokenMapping, WordtoIdOptions } from './ops/text/wordToId.js';
export { basicTokenize } from './text/basicTokenizer.js';
export type { BasicTokenizeOptions } from './text/basicTokenizer.js';
export { BertWordPieceTokenizer, bertTokenizerOptionsSchema, TokenizerError } from './text/bertWordPieceTokenizer.js';
export type { BertTokenizerOptions, EncodeOptions, Encoding } from './text/bertWordPieceTokenizer.js';
export { stripAccents } from './text/charClasses.js';
export { loadVocabFile, parseVocab, VocabError } from './text/vocab.js';
export { wordWindows } from './text/wordWindows.js';
export type { WordWindow } from './text/wordWindows.js';

// pipeline: the Pipeline, its batches and profiles
export { bucketGroups } from './pipeline/producer.js';
export type { OpProfile } from './pipeline/producer.js';
export type { BenchmarkResult, OpTiming } from './pipeline/benchmark.js';
export { Pipeline } from './pipeline/pipeline.js';
export type { DataInput, EpochRequest, PipelineOptions, TypedPipelineOptions } from './pipeline/pipeline.js';
export type { BatchEntries, PipelineSeed, SourceEntries } from './pipeline/batchKeys.js';
export { shardOrder, shardLength } from './pipeline/shard.js';
export type { Shard } from './pipeline/shard.js';
export type { BatchSizeSpec, EpochPlan } from './pipeline/plan.js';

// schedule: per-epoch values
export { EpochScheduler } from './schedule/epochScheduler.js';
export { RepeatScheduler } from './schedule/repeatScheduler.js';
export { Scheduler } from './schedule/scheduler.js';
export type { Schedulable } from './schedule/scheduler.js';
