import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { FetsError, parseOptions } from '@fets/pipeline';

/**
 * An optimizer was given a variable or saved state it cannot use. Names the optimizer and the weight.
 *
 * @example
 * // OptimizerStateError: AdamW.setWeights: "dense/kernel/m" has no matching "dense/kernel/v"
 */
export class OptimizerStateError extends FetsError {
  constructor(
    readonly optimizer: string,
    readonly weight: string,
    message: string,
  ) {
    super(`${optimizer}: ${message}`);
  }
}
import { adamwStep } from '../kernels/adamw.js';

const adamWSchema = z.strictObject({
  learningRate: z.number().positive().default(1e-3),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  epsilon: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(0.01),
  excludeFromWeightDecay: z
    .union([
      z.array(z.union([z.string().min(1), z.instanceof(RegExp)])),
      z.custom<(name: string) => boolean>((v) => typeof v === 'function', 'expected a list of patterns or a function'),
    ])
    .default(['bias', 'LayerNorm', 'layer_norm']),
});

/** Options of {@link AdamW}. */
export type AdamWOptions = z.input<typeof adamWSchema>;

/** A named tensor, as tfjs optimizers exchange state (`getWeights`/`setWeights`). */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Slots {
  m: tf.Variable;
  v: tf.Variable;
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter; PyTorch's `AdamW`, as BERT fine-tuning uses):
 * `p ← p·(1 − lr·wd)` then the bias-corrected Adam step `p ← p − lr·m̂/(√v̂ + ε)`. Variables whose name matches an entry
 * of `excludeFromWeightDecay` (case-insensitive substring, or a RegExp, or a predicate) get no decay; by default
 * biases and layer-norm parameters. State (`iter`, then `<var>/m` for each variable, then `<var>/v`) round-trips through
 * `getWeights`/`setWeights` like tfjs's own Adam. `learningRate` is a public field, read at every step.
 *
 * @example
 * const opt = new AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
 * opt.minimize(() => loss(), false, variables);
 */
export class AdamW extends tf.Optimizer {
  /** Serialization name. */
  static get className(): string {
    return 'AdamW';
  }

  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  weightDecay: number;
  private readonly exclude: (name: string) => boolean;
  private readonly excludeSpec: readonly (string | RegExp)[] | ((name: string) => boolean);
  private slots = new Map<string, Slots>();

  constructor(options: AdamWOptions = {}) {
    super();
    const o = parseOptions(new.target.name, adamWSchema, options);
    this.learningRate = o.learningRate;
    this.beta1 = o.beta1;
    this.beta2 = o.beta2;
    this.epsilon = o.epsilon;
    this.weightDecay = o.weightDecay;
    this.excludeSpec = o.excludeFromWeightDecay;
    const spec = o.excludeFromWeightDecay;
    if (typeof spec === 'function') {
      this.exclude = spec;
    } else {
      const tests = spec.map((p) =>
        typeof p === 'string' ? (n: string) => n.toLowerCase().includes(p.toLowerCase()) : (n: string) => p.test(n),
      );
      this.exclude = (n) => tests.some((t) => t(n));
    }
  }

  /** Whether the variable called `name` receives weight decay. */
  decays(name: string): boolean {
    return this.weightDecay > 0 && !this.exclude(name);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor | null][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const t = this.iterations + 1;
    const bc1 = 1 - this.beta1 ** t;
    const bc2 = 1 - this.beta2 ** t;
    const lr = this.learningRate;
    tf.tidy(() => {
      for (const [name, grad] of entries) {
        if (grad == null) continue;
        const value = tf.engine().registeredVariables[name];
        if (!value) throw new OptimizerStateError('AdamW', name, `no variable named "${name}" is registered`);
        let s = this.slots.get(name);
        if (!s) {
          s = { m: tf.zerosLike(value).variable(false), v: tf.zerosLike(value).variable(false) };
          this.slots.set(name, s);
        }
        const decay = this.decays(name) ? 1 - lr * this.weightDecay : 1;
        // One fused kernel on wasm (FETS_KERNELS replacement `AdamW`); the elementwise ops below elsewhere.
        const fused = adamwStep(value, s.m, s.v, grad, {
          beta1: this.beta1,
          beta2: this.beta2,
          epsilon: this.epsilon,
          learningRate: lr,
          bc1,
          bc2,
          decay,
        });
        if (fused) {
          s.m.assign(fused[1]!);
          s.v.assign(fused[2]!);
          value.assign(fused[0]!);
          continue;
        }
        const m = tf.add(tf.mul(s.m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const v = tf.add(tf.mul(s.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        s.m.assign(m);
        s.v.assign(v);
        const base = decay !== 1 ? tf.mul(value, decay) : value;
        const step = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), this.epsilon));
        value.assign(tf.sub(base, tf.mul(step, lr)));
      }
    });
    this.incrementIterations();
  }

  override dispose(): void {
    for (const s of this.slots.values()) {
      s.m.dispose();
      s.v.dispose();
    }
    this.slots.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const slots = [...this.slots.entries()];
    return [
      await this.saveIterations(),
      ...slots.map(([n, s]) => ({ name: `${n}/m`, tensor: s.m })),
      ...slots.map(([n, s]) => ({ name: `${n}/v`, tensor: s.v })),
    ];
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    const m = new Map<string, tf.Tensor>();
    const v = new Map<string, tf.Tensor>();
    for (const w of rest) {
      if (w.name.endsWith('/m')) m.set(w.name.slice(0, -2), w.tensor);
      else if (w.name.endsWith('/v')) v.set(w.name.slice(0, -2), w.tensor);
      else throw new OptimizerStateError('AdamW.setWeights', w.name, `expected names ending in "/m" or "/v", received "${w.name}"`);
    }
    for (const name of m.keys()) {
      if (!v.has(name)) throw new OptimizerStateError('AdamW.setWeights', name, `"${name}/m" has no matching "${name}/v"`);
    }
    this.dispose();
    for (const [name, mt] of m) {
      this.slots.set(name, { m: mt.variable(false), v: v.get(name)!.variable(false) });
    }
  }

  override getConfig(): tf.serialization.ConfigDict {
    const spec = this.excludeSpec;
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
      excludeFromWeightDecay: typeof spec === 'function' ? null : spec.map((p) => (typeof p === 'string' ? p : p.source)),
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { excludeFromWeightDecay, ...rest } = config as Record<string, unknown>;
    const opts: Record<string, unknown> = { ...rest };
    if (Array.isArray(excludeFromWeightDecay)) opts.excludeFromWeightDecay = excludeFromWeightDecay;
    return new cls(opts as never);
  }
}

tf.serialization.registerClass(AdamW);
