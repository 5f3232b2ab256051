import type { Layout } from './constants';
import { hwcToChw } from './layout';
import { expAndNormalize } from './mean-field';
import type { PairwiseTerm } from './pairwise';

/** Which implementation runs mean-field: WebAssembly SIMD, plain JavaScript, or the best available. */
export type EngineKind = 'auto' | 'wasm' | 'js';

/** A mean-field solver for a fixed set of unary and pairwise terms. */
export interface MeanFieldEngine {
  /** Q₀ = softmax(−U), pixel-major `[N, labels]`. */
  initial(): Float32Array;
  /** `iterations` mean-field updates of pixel-major `q`, in place; `onIteration(done)` after each. */
  iterate(q: Float32Array, iterations: number, onIteration?: (done: number) => void): void;
  /** Q₀ and `iterations` updates, returned in `layout`. */
  run(iterations: number, layout: Layout, onIteration?: (done: number) => void): Float32Array;
  /** Releases memory (the engine is not used afterwards). */
  dispose(): void;
}

/**
 * The reference solver in plain JavaScript (float64 arithmetic, Math.exp), written as directly
 * as densecrf's `inference`: tmp ← −U; tmp −= μₖ(Kₖ ⊛ Q) for every term; Q ← softmax(tmp).
 */
export class JsMeanField implements MeanFieldEngine {
  constructor(
    private readonly negUnary: Float32Array,
    private readonly terms: readonly PairwiseTerm[],
    private readonly labels: number,
  ) {}

  initial(): Float32Array {
    const q = new Float32Array(this.negUnary.length);
    expAndNormalize(this.negUnary, q, this.labels);
    return q;
  }

  dispose(): void {}

  run(iterations: number, layout: Layout, onIteration?: (done: number) => void): Float32Array {
    const q = this.initial();
    this.iterate(q, iterations, onIteration);
    return layout === 'hwc' ? q : hwcToChw(q, q.length / this.labels, this.labels);
  }

  iterate(q: Float32Array, iterations: number, onIteration?: (done: number) => void): void {
    const tmp = new Float32Array(q.length);
    for (let it = 0; it < iterations; it++) {
      tmp.set(this.negUnary);
      for (const term of this.terms) term.subtractMessage(q, tmp);
      expAndNormalize(tmp, q, this.labels);
      onIteration?.(it + 1);
    }
  }
}
