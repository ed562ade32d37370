/** `fe.op.numpyop`: the Pipeline's per-sample ops. */
export {
  NumpyOp,
  LambdaOp,
  Delete,
  RemoveIf,
  Batch,
  Sometimes,
  OneOf,
  Repeat,
  Fuse,
  Tokenize,
  WordtoId,
  PadSequence,
  AttentionMask,
  BertTokenize,
  FilteredData,
} from '@fets/pipeline';
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
