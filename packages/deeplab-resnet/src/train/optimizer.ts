import * as tf from '@tensorflow/tfjs-core';
import type { WeightEntry } from '@objsel/caffe-import';
import { DeeplabError } from '../errors';

/**
 * An optimiser whose whole state lives in named variables, so a checkpoint can save it and a
 * resumed run continues bit-for-bit. Implemented here rather than with `tf.train.*` because
 * those keep state that cannot be read back and restored.
 */
export interface TrainingOptimizer {
  /** `momentum` (train.py) or `adam` (fine_tune.py). */
  readonly kind: 'momentum' | 'adam';
  /**
   * Applies one update. `grads` maps variable names (keys of the network's variable map) to
   * gradients; `learningRate` is the base rate of this step, scaled per variable by the
   * multipliers given at construction. Does not dispose `grads`.
   */
  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void;
  /** The state as named float32 tensors (read with `await data()`). */
  stateEntries(): Promise<WeightEntry[]>;
  /** Scalars of the state that are not tensors (e.g. Adam's step count). */
  stateScalars(): Record<string, number>;
  /** Restores what {@link stateEntries} and {@link stateScalars} returned. */
  loadState(entries: readonly WeightEntry[], scalars: Record<string, number>): void;
  /** Frees every state variable. */
  dispose(): void;
}

/** A zero variable shaped like `v`, not trainable (so `tf.variableGrads` never picks it up). */
function zerosLike(v: tf.Variable): tf.Variable {
  return tf.tidy(() => tf.variable(tf.zerosLike(v), false));
}

async function entriesOf(prefix: string, vars: ReadonlyMap<string, tf.Variable>): Promise<WeightEntry[]> {
  const out: WeightEntry[] = [];
  for (const [name, v] of vars) {
    const data = (await v.data()) as Float32Array;
    out.push({ name: `${prefix}${name}`, shape: [...v.shape], data: new Float32Array(data) });
  }
  return out;
}

function loadInto(prefix: string, vars: ReadonlyMap<string, tf.Variable>, entries: readonly WeightEntry[]): void {
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const [name, v] of vars) {
    const entry = byName.get(`${prefix}${name}`);
    if (!entry) throw new DeeplabError('bad-weights', 'optimizer state has no entry for this variable', { where: `${prefix}${name}` });
    if (entry.shape.length !== v.shape.length || entry.shape.some((d, i) => d !== v.shape[i])) {
      throw new DeeplabError('bad-weights', `optimizer state shape [${entry.shape.join(',')}] does not match [${v.shape.join(',')}]`, {
        where: entry.name,
      });
    }
    tf.tidy(() => v.assign(tf.tensor(entry.data, v.shape, 'float32')));
  }
}

/**
 * TensorFlow's `MomentumOptimizer` (no Nesterov): `accum = momentum * accum + grad;
 * w -= lr * multiplier(w) * accum`. One accumulator per trained variable, so the three
 * optimisers of train.py (×1, ×10, ×20) are one object with per-variable multipliers.
 */
export class MomentumOptimizer implements TrainingOptimizer {
  readonly kind = 'momentum' as const;
  private readonly accumulators = new Map<string, tf.Variable>();

  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    trained: readonly string[],
    private readonly momentum: number,
    private readonly multiplier: (name: string) => number,
  ) {
    for (const name of trained) {
      const v = variables.get(name);
      if (!v) throw new DeeplabError('bad-config', 'no such variable to train', { where: name });
      this.accumulators.set(name, zerosLike(v));
    }
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    tf.tidy(() => {
      for (const [name, accum] of this.accumulators) {
        const g = grads.get(name);
        if (!g) continue;
        const v = this.variables.get(name)!;
        const next = tf.add(tf.mul(accum, this.momentum), g);
        accum.assign(next);
        v.assign(tf.sub(v, tf.mul(next, learningRate * this.multiplier(name))));
      }
    });
  }

  stateEntries(): Promise<WeightEntry[]> {
    return entriesOf('momentum/', this.accumulators);
  }

  stateScalars(): Record<string, number> {
    return {};
  }

  loadState(entries: readonly WeightEntry[]): void {
    loadInto('momentum/', this.accumulators, entries);
  }

  dispose(): void {
    for (const v of this.accumulators.values()) v.dispose();
    this.accumulators.clear();
  }
}

/**
 * TensorFlow's `AdamOptimizer` (β1 0.9, β2 0.999, ε 1e-8, TF's defaults):
 * `lr_t = lr * sqrt(1 - β2^t) / (1 - β1^t); m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²;
 * w -= lr_t * m / (sqrt(v) + ε)`.
 */
export class AdamOptimizer implements TrainingOptimizer {
  readonly kind = 'adam' as const;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly variables: ReadonlyMap<string, tf.Variable>,
    trained: readonly string[],
    private readonly multiplier: (name: string) => number = () => 1,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    for (const name of trained) {
      const w = variables.get(name);
      if (!w) throw new DeeplabError('bad-config', 'no such variable to train', { where: name });
      this.m.set(name, zerosLike(w));
      this.v.set(name, zerosLike(w));
    }
  }

  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): void {
    this.t += 1;
    const lrT = (learningRate * Math.sqrt(1 - this.beta2 ** this.t)) / (1 - this.beta1 ** this.t);
    tf.tidy(() => {
      for (const [name, m] of this.m) {
        const g = grads.get(name);
        if (!g) continue;
        const v = this.v.get(name)!;
        const w = this.variables.get(name)!;
        const mNext = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const vNext = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(mNext);
        v.assign(vNext);
        w.assign(tf.sub(w, tf.mul(tf.div(mNext, tf.add(tf.sqrt(vNext), this.epsilon)), lrT * this.multiplier(name))));
      }
    });
  }

  async stateEntries(): Promise<WeightEntry[]> {
    return [...(await entriesOf('adam_m/', this.m)), ...(await entriesOf('adam_v/', this.v))];
  }

  stateScalars(): Record<string, number> {
    return { adamStep: this.t };
  }

  loadState(entries: readonly WeightEntry[], scalars: Record<string, number>): void {
    loadInto('adam_m/', this.m, entries);
    loadInto('adam_v/', this.v, entries);
    const t = scalars.adamStep;
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0)
      throw new DeeplabError('bad-weights', 'optimizer state has no valid adamStep');
    this.t = t;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
    this.m.clear();
    this.v.clear();
  }
}
