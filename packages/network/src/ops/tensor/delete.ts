import { opOptionsSchema, parseOptions, type DataDict, type OpOptions } from '@fets/pipeline';
import { TensorOp } from '../tensorOp.js';

const deleteSchema = opOptionsSchema.omit({ outputs: true }).strict();

/**
 * Removes keys from the batch (FastEstimator's tensor `Delete`): later ops cannot read them and they are not returned.
 *
 * @example
 * new Delete({ inputs: ['hidden'], mode: 'infer' });
 */
export class Delete extends TensorOp {
  constructor(options: Omit<OpOptions, 'outputs'>) {
    super(parseOptions('Delete', deleteSchema, options));
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
