/** `fe.optimizer`: fets' fused optimizers (Adam, AdamW) and the name → optimizer factory. */
export { Adam, AdamW, LrGroups, makeOptimizer, OPTIMIZER_NAMES, getLearningRate, setLearningRate } from '@fets/network';
