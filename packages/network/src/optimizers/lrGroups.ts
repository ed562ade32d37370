import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@fets/pipeline';
import { OptimizerStateError } from './adamw.js';
import { optimizerLearningRate, setOptimizerLearningRate } from './optimizers.js';

const groupSchema = z.strictObject({
  /** Variables whose name contains this string (or matches this RegExp) belong to the group. */
  match: z.union([z.string().min(1), z.instanceof(RegExp)]),
  /** The group's learning rate is the base rate times this factor (so a schedule moves both). */
  scale: z.number().positive(),
});

const lrGroupsSchema = z.strictObject({
  /** Makes one optimizer of the kind to use (called once for the base and once per group, each keeping its own state). */
  optimizer: z.custom<() => tf.Optimizer>((v) => typeof v === 'function', 'expected a function returning a tf.Optimizer'),
  /** Groups of variables with their own learning-rate factor; the first matching group wins. */
  groups: z.array(groupSchema).min(1),
});

/** Options of {@link LrGroups}. */
export type LrGroupsOptions = z.input<typeof lrGroupsSchema>;

type NamedTensor = { name: string; tensor: tf.Tensor };

/**
 * Parameter groups with their own learning rate (PyTorch's `param_groups`): variables matching a group's `match`
 * are updated by their own optimizer at `scale ×` the base learning rate; the rest by the base one. `learningRate`
 * reads and sets the base rate (an LRScheduler moves every group with it). State round-trips through
 * `getWeights`/`setWeights` (each inner optimizer's names prefixed by `g<i>:`, the base's by `base:`).
 *
 * @example
 * // A CRF head's transitions at 100× the encoder's rate:
 * build(model, () => new LrGroups({ optimizer: () => new AdamW({ learningRate: 1e-3 }), groups: [{ match: '/crf.', scale: 100 }] }));
 */
export class LrGroups extends tf.Optimizer {
  /** Serialization name. */
  static get className(): string {
    return 'LrGroups';
  }

  readonly base: tf.Optimizer;
  readonly inner: tf.Optimizer[];
  private readonly groups: z.output<typeof groupSchema>[];

  constructor(options: LrGroupsOptions) {
    super();
    const o = parseOptions(new.target.name, lrGroupsSchema, options);
    this.groups = o.groups;
    this.base = o.optimizer();
    this.inner = o.groups.map(() => o.optimizer());
    this.learningRate = optimizerLearningRate(this.base);
  }

  /** The base learning rate; setting it sets each group's to `scale ×` it. */
  get learningRate(): number {
    return optimizerLearningRate(this.base);
  }

  set learningRate(lr: number) {
    setOptimizerLearningRate(this.base, lr);
    this.groups.forEach((g, i) => setOptimizerLearningRate(this.inner[i]!, lr * g.scale));
  }

  /** Index of the group a variable belongs to, or -1 (the base). */
  groupOf(name: string): number {
    return this.groups.findIndex((g) => (typeof g.match === 'string' ? name.includes(g.match) : g.match.test(name)));
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | null][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const parts: tf.NamedTensorMap[] = [{}, ...this.inner.map(() => ({}))];
    for (const [name, g] of entries) if (g) parts[this.groupOf(name) + 1]![name] = g;
    [this.base, ...this.inner].forEach((opt, i) => {
      if (Object.keys(parts[i]!).length > 0) opt.applyGradients(parts[i]!);
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const o of [this.base, ...this.inner]) o.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const out: NamedTensor[] = [await this.saveIterations()];
    const all = [this.base, ...this.inner];
    for (let i = 0; i < all.length; i++) {
      const prefix = i === 0 ? 'base:' : `g${i - 1}:`;
      for (const w of await all[i]!.getWeights()) out.push({ name: prefix + w.name, tensor: w.tensor });
    }
    return out;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const all = [this.base, ...this.inner];
    const parts: NamedTensor[][] = all.map(() => []);
    for (const w of rest) {
      const m = /^(base|g(\d+)):(.*)$/.exec(w.name);
      const i = m ? (m[1] === 'base' ? 0 : Number(m[2]) + 1) : -1;
      if (!m || i >= all.length)
        throw new OptimizerStateError(
          'LrGroups.setWeights',
          w.name,
          `expected names "base:…" or "g0:"…"g${this.inner.length - 1}:…", received "${w.name}"`,
        );
      parts[i]!.push({ name: m[3]!, tensor: w.tensor });
    }
    for (let i = 0; i < all.length; i++) await all[i]!.setWeights(parts[i]!);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      base: this.base.getClassName(),
      groups: this.groups.map((g) => ({ match: typeof g.match === 'string' ? g.match : g.match.source, scale: g.scale })),
    };
  }
}
