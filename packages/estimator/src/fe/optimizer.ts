/** `fe.optimizer`: fets' fused optimizers (Adam, AdamW) and the name → optimizer factory. */
export { Adam, AdamW, makeOptimizer, OPTIMIZER_NAMES, getLearningRate, setLearningRate } from '@fets/network';
