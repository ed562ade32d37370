import { FetsError } from '@fets/pipeline';

/**
 * No TensorFlow.js backend could be started, or a forced one (`FETS_BACKEND`) failed, or a backend setting is
 * invalid. `tried` lists each candidate with the reason it was skipped.
 *
 * @example
 * // BackendError: FETS_BACKEND=tensorflow: no candidate loaded
 * //   tensorflow-gpu (@tensorflow/tfjs-node-gpu): Cannot find package '@tensorflow/tfjs-node-gpu'
 */
export class BackendError extends FetsError {
  constructor(
    message: string,
    readonly tried: readonly { name: string; error: string }[] = [],
  ) {
    super(tried.length ? `${message}\n${tried.map((t) => `  ${t.name}: ${t.error}`).join('\n')}` : message);
  }
}
