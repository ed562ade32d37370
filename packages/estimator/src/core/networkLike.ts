import type { Model, StepStateInput } from '@fets/network';
import type { DataDict, Mode } from '@fets/pipeline';

/**
 * What the Estimator needs from a Network (the `@fets/network` Network implements it). Kept as an interface so the
 * loop can be tested and reused with any step runner.
 */
export interface NetworkLike {
  /** Keys the Network reads from the Pipeline in this mode/epoch. */
  requiredKeys(mode: Mode, epoch?: number): string[];
  /** Keys the Network writes in this mode/epoch. */
  producedKeys(mode: Mode, epoch?: number): string[];
  /** Throws, naming the op and key, if the Network reads a key neither `available` nor produced upstream. */
  checkGraph(available: readonly string[], mode: Mode, epoch?: number): void;
  /** Keys holding losses (what the Logger monitors by default). */
  lossKeys(mode?: Mode, epoch?: number): string[];
  /** Runs one batch; returns the `fetch` keys (batch or Network outputs) as plain values (`NDArray`, numbers). */
  runStep(batch: DataDict, state: StepStateInput, fetch: readonly string[]): DataDict | Promise<DataDict>;
  /** `[modelName, learningRate]` of every trained model, for the log. */
  learningRates(): [string, number][];
  /** The models whose weights and optimizer state a checkpoint (RestoreWizard) saves; absent: nothing to save. */
  readonly models?: readonly Model[];
}
