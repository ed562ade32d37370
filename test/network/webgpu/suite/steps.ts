import * as tf from '@tensorflow/tfjs';
import type { NDArray } from '@fets/pipeline';
import type { Network } from '@fets/network';
import { countReadBacks } from '../readBacks.js';

/** What {@link trainSteps} saw: the loss of each step, the GPU read-backs of each step, tensor counts. */
export interface TrainTrace {
  losses: number[];
  reads: number[];
  /** `tf.memory().numTensors` after step 3 (the shapes and optimizer slots exist by then). */
  after3: number;
  /** `tf.memory().numTensors` after the last step. */
  end: number;
}

/** Runs `steps` train steps of `network` on one batch, fetching `lossKey`; counts GPU read-backs per step. */
export async function trainSteps(network: Network, batch: Record<string, NDArray>, steps: number, lossKey = 'loss'): Promise<TrainTrace> {
  const losses: number[] = [];
  const reads: number[] = [];
  let after3 = -1;
  for (let step = 1; step <= steps; step++) {
    const { value, reads: n } = await countReadBacks(() => network.runStep(batch, { mode: 'train', epoch: 1 }, [lossKey]));
    losses.push(value[lossKey] as number);
    reads.push(n);
    if (step === 3) after3 = tf.memory().numTensors;
  }
  return { losses, reads, after3, end: tf.memory().numTensors };
}
