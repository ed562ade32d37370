/**
 * `fe.op`: every op. Pipeline (per-sample) ops and Network (tensor) ops whose names are unique live here directly;
 * `fe.op.numpyop` and `fe.op.tensorop` hold each side's full set (`LambdaOp`, `Delete`, `Sometimes`, `OneOf`,
 * `Repeat` and `Fuse` exist on both sides, as in FastEstimator).
 */
export {
  NumpyOp,
  Batch,
  RemoveIf,
  Tokenize,
  WordtoId,
  PadSequence,
  AttentionMask,
  BertTokenize,
  FilteredData,
} from '@fets/pipeline';
export {
  TensorOp,
  ModelOp,
  UpdateOp,
  Reshape,
  Argmax,
  Average,
  Permute,
  Transpose,
  LossOp,
  CrossEntropy,
  MeanSquaredError,
  L1Loss,
  FocalLoss,
  L2Regularization,
} from '@fets/network';
// CRF head and tag decoding
export { LinearChainCrf, CrfLoss, TagDecode, iob2Constraints, countInvalidIob2 } from '@fets/network';
// ELECTRA's replaced-token-detection loss
export { ReplacedTokenLoss } from '@fets/network';
export * as numpyop from './numpyop.js';
export * as tensorop from './tensorop.js';
// masked-LM corruption
export { MaskTokens } from '@fets/pipeline';
// image ops
export {
  Affine,
  CenterCrop,
  ChannelTranspose,
  CoarseDropout,
  ExpandDims,
  HorizontalFlip,
  Minmax,
  Normalize,
  Onehot,
  PadIfNeeded,
  RandomCrop,
  ReadImage,
  Resize,
  Rotate,
  VerticalFlip,
} from '@fets/pipeline';
// batch augmentation
export { CutMixBatch, MixUpBatch } from '@fets/network';
