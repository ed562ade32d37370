import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@fets/network';

/** A backend a test block can run on. */
export type TestBackend = 'wasm' | 'cpu';

/**
 * Runs `fn` inside one mocha `describe` per backend (`describe('on wasm', ...)`), switching with `tf.setBackend` in a
 * `before` hook and restoring the previous backend in `after`. The first use starts fets's backend selection
 * (quietly), so the wasm kernel replacements are registered.
 *
 * @example
 * forEachBackend(['wasm', 'cpu'], (backend) => {
 *   it('adds', () => { expect(tf.add(1, 2).arraySync()).to.equal(3); });
 * });
 */
export function forEachBackend(names: readonly TestBackend[], fn: (backend: TestBackend) => void): void {
  for (const name of names) {
    describe(`on ${name}`, function () {
      let previous: string | undefined;
      before(async function () {
        await initBackend({ quiet: true });
        previous = tf.getBackend();
        if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
      });
      after(async function () {
        if (previous !== undefined && previous !== tf.getBackend()) await tf.setBackend(previous);
      });
      fn(name);
    });
  }
}
