import { ConfigError } from '@fets/pipeline';

/** A serialisable 32-bit PRNG (mulberry32) installed as Math.random by {@link enableDeterministic}. */
class Mulberry32 {
  constructor(public state: number) {}
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

const nativeRandom = Math.random;
let installed: Mulberry32 | undefined;
let installedSeed: number | undefined;

/**
 * Makes runs repeat (FastEstimator's `enable_deterministic`): installs a seeded generator as `Math.random`, which
 * TensorFlow.js uses for every unseeded random op (initialisers, dropout, shuffles). Two runs on the same backend with
 * the same seed then give identical losses. Pipelines and models given their own `seed` stay independent of it.
 *
 * @example
 * enableDeterministic(42);
 */
export function enableDeterministic(seed: number): void {
  if (!Number.isInteger(seed))
    throw new ConfigError('enableDeterministic', [], `enableDeterministic: seed must be an integer, received ${seed}`);
  installed = new Mulberry32(seed | 0);
  installedSeed = seed;
  Math.random = () => installed!.next();
}

/** Restores the native `Math.random`. */
export function disableDeterministic(): void {
  installed = undefined;
  installedSeed = undefined;
  Math.random = nativeRandom;
}

/** The seed given to {@link enableDeterministic}, if active. */
export function deterministicSeed(): number | undefined {
  return installedSeed;
}

/** The generator's state (for checkpoints), or undefined when not deterministic. */
export function getRandomState(): number | undefined {
  return installed?.state;
}

/** Restores a state from {@link getRandomState} (no-op when not deterministic). */
export function setRandomState(state: number | undefined): void {
  if (installed && state !== undefined) installed.state = state | 0;
}
