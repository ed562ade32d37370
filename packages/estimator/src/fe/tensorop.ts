/** `fe.op.tensorop`: the Network's tensor ops. */
export {
  TensorOp,
  LambdaOp,
  Delete,
  Reshape,
  Argmax,
  Average,
  Permute,
  Transpose,
  Sometimes,
  OneOf,
  Repeat,
  Fuse,
  ModelOp,
  UpdateOp,
  LossOp,
  CrossEntropy,
  MeanSquaredError,
  L1Loss,
  FocalLoss,
  L2Regularization,
} from '@fets/network';
// batch augmentation
export { CutMixBatch, MixUpBatch } from '@fets/network';
