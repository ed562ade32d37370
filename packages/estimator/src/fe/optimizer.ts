/** `fe.optimizer`: optimizers beyond tf.train's (AdamW) and the name → optimizer factory. */
export { AdamW, makeOptimizer, OPTIMIZER_NAMES, getLearningRate, setLearningRate } from '@fets/network';
