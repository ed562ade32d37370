/** `fe.schedule`: epoch schedulers and learning-rate schedules. */
export { Scheduler, EpochScheduler, RepeatScheduler } from '@fets/pipeline';
export { linearWarmupDecay, cosineDecay, warmupSteps } from '../schedule/lrSchedules.js';
export type { LrFn } from '../schedule/lrSchedules.js';
