import { ConfigError } from './errors.js';
import type { DsIdSelector, ModeSpec } from './mode.js';

/** What a meta op needs to know of the ops it wraps (a NumpyOp or a TensorOp). */
export interface WrappedOp {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly modeSpec: ModeSpec;
  readonly dsIds: DsIdSelector;
}

/** The keys and modes a meta op takes over from the op(s) it wraps. */
export interface MetaKeys {
  inputs: string[];
  outputs: string[];
  mode: ModeSpec;
  /** The wrapped (first) op's data-set selector, as a spec. */
  dsId: string[] | null;
}

/** A parsed data-set selector back as the spec that gives it. */
const dsIdSpec = (sel: DsIdSelector): string[] | null =>
  sel === null ? null : [...sel.ids].map((id) => (sel.kind === 'deny' ? `!${id}` : id));

const modeText = (op: WrappedOp) => JSON.stringify(op.modeSpec ?? null);

function sameModes(owner: string, ops: readonly WrappedOp[]): void {
  const other = ops.find((op) => modeText(op) !== modeText(ops[0]!));
  if (other) {
    throw new ConfigError(
      owner,
      [],
      `${owner}: every op must run in the same modes; ${ops[0]!.name} has ${modeText(ops[0]!)}, ${other.name} has ${modeText(other)}`,
    );
  }
}

/**
 * The one rule of the meta ops, for the Pipeline's and the Network's alike. An op that may not run (`Sometimes`) or
 * runs again on its own result (`Repeat`) leaves its outputs as they were when it does not run, so each output key
 * must already exist: outputs the op does not read count as inputs of the meta op (the graph check then asks for
 * them upstream). `OneOf` needs ops with the same keys and modes; `Fuse` reads what its chain reads from outside and
 * writes everything the chain writes.
 *
 * @example
 * metaKeys('Sometimes', [op]);   // { inputs: [...op.inputs, ...outputs not read], outputs: op.outputs, mode }
 */
export function metaKeys(owner: 'Sometimes' | 'Repeat' | 'OneOf' | 'Fuse', ops: readonly WrappedOp[]): MetaKeys {
  const first = ops[0];
  if (!first) throw new ConfigError(owner, [], `${owner}: expected at least one op, received none`);
  sameModes(owner, ops);
  if (owner === 'Fuse') {
    const inputs: string[] = [];
    const outputs: string[] = [];
    for (const op of ops) {
      for (const k of op.inputs) if (!outputs.includes(k) && !inputs.includes(k)) inputs.push(k);
      for (const k of op.outputs) if (!outputs.includes(k)) outputs.push(k);
    }
    return { inputs, outputs, mode: first.modeSpec, dsId: null };
  }
  if (owner === 'OneOf') {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
    const odd = ops.find((op) => !same(op.inputs, first.inputs) || !same(op.outputs, first.outputs));
    if (odd) {
      throw new ConfigError(
        owner,
        [],
        `OneOf: every op must have the same inputs and outputs; ${first.name} has [${first.inputs}] → [${first.outputs}], ` +
          `${odd.name} has [${odd.inputs}] → [${odd.outputs}]`,
      );
    }
    return { inputs: [...first.inputs], outputs: [...first.outputs], mode: first.modeSpec, dsId: dsIdSpec(first.dsIds) };
  }
  if (owner === 'Repeat' && (first.outputs.length === 0 || !first.outputs.every((k) => first.inputs.includes(k)))) {
    throw new ConfigError(
      owner,
      [],
      `Repeat: op ${first.name} must write only keys it reads, received inputs [${first.inputs}] outputs [${first.outputs}]`,
    );
  }
  const extra = first.outputs.filter((k) => !first.inputs.includes(k));
  return { inputs: [...first.inputs, ...extra], outputs: [...first.outputs], mode: first.modeSpec, dsId: dsIdSpec(first.dsIds) };
}
