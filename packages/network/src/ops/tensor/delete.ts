import type { z } from 'zod';
import { opOptionsSchema, type DataDict } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';

/** Options of {@link Delete}: the keys to remove (`inputs`), and where it runs. */
export const deleteOptions = opOptionsSchema.omit({ outputs: true });
/** Options of {@link Delete} (see {@link deleteOptions}). */
export type DeleteOptions = z.input<typeof deleteOptions>;

/**
 * Removes keys from the batch (FastEstimator's tensor `Delete`): later ops cannot read them and they are not returned.
 *
 * @example
 * new Delete({ inputs: ['hidden'], mode: 'infer' });
 */
export class Delete<const O extends DeleteOptions = DeleteOptions> extends TensorOp<typeof deleteOptions, O> {
  constructor(options: O) {
    super(options, deleteOptions);
  }

  /** Returns nothing: `apply` deletes the input keys. */
  override forward(): undefined {
    return undefined;
  }

  override apply(data: DataDict): void {
    for (const k of this.inputs) delete data[k];
  }

  override get deletedKeys(): readonly string[] {
    return this.inputs;
  }
}
