/**
 * Conjugate gradients with a Jacobi (diagonal) preconditioner for a symmetric positive definite
 * system A x = b given only as a product x -> A x (Hestenes & Stiefel 1952; the preconditioned
 * form as in Saad, Iterative Methods for Sparse Linear Systems, alg. 9.1). It stops when the
 * residual norm |r| (r = b - A x, updated by the recurrence) is at most `tolerance * |b|`, as
 * SciPy's `cg` with `rtol = tolerance, atol = 0` that scikit-image's random walker calls, or
 * after `maxIterations`.
 */

/** A symmetric positive definite operator of size `size`. */
export interface LinearOperator {
  readonly size: number;
  /** out = A x (out and x distinct); returns x . A x (fused here: one pass over memory instead of two). */
  apply(x: Float64Array, out: Float64Array): number;
  /** The diagonal of A (all positive), the Jacobi preconditioner. */
  readonly diagonal: Float64Array;
}

/** Options of {@link conjugateGradient}. */
export interface ConjugateGradientOptions {
  /** Relative residual to reach (default 1e-3, scikit-image's `tol`). */
  tolerance?: number;
  /** Iteration cap (default 10 * size). */
  maxIterations?: number;
}

/** What {@link conjugateGradient} reached. */
export interface ConjugateGradientResult {
  iterations: number;
  /** |r| / |b| at the end (0 for b = 0). */
  relativeResidual: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves A x = b in place of `x` (its content is the initial guess). */
export function conjugateGradient(
  a: LinearOperator,
  b: Float64Array,
  x: Float64Array,
  options: ConjugateGradientOptions = {},
): ConjugateGradientResult {
  const n = a.size;
  const tolerance = options.tolerance ?? 1e-3;
  const maxIterations = options.maxIterations ?? 10 * n;
  const bNorm = Math.sqrt(dot(b, b));
  if (bNorm === 0) {
    x.fill(0);
    return { iterations: 0, relativeResidual: 0, converged: true };
  }
  // Four vectors besides x: the residual r, the search direction p, q = A p, and the inverse
  // diagonal; the preconditioned residual z = r / diag(A) is never stored (computed where used),
  // which saves two of the memory streams an iteration is bound by.
  const r = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const inverseDiagonal = new Float64Array(n);
  for (let i = 0; i < n; i++) inverseDiagonal[i] = 1 / a.diagonal[i]!;
  a.apply(x, q);
  let rr = 0;
  let rz = 0;
  for (let i = 0; i < n; i++) {
    const ri = b[i]! - q[i]!;
    r[i] = ri;
    const zi = ri * inverseDiagonal[i]!;
    p[i] = zi;
    rr += ri * ri;
    rz += ri * zi;
  }
  const target = tolerance * bNorm;
  let iterations = 0;
  while (Math.sqrt(rr) > target && iterations < maxIterations) {
    const alpha = rz / a.apply(p, q);
    let nextRr = 0;
    let nextRz = 0;
    for (let i = 0; i < n; i++) {
      x[i]! += alpha * p[i]!;
      const ri = r[i]! - alpha * q[i]!;
      r[i] = ri;
      nextRr += ri * ri;
      nextRz += ri * ri * inverseDiagonal[i]!;
    }
    const betaCg = nextRz / rz;
    for (let i = 0; i < n; i++) p[i] = r[i]! * inverseDiagonal[i]! + betaCg * p[i]!;
    rr = nextRr;
    rz = nextRz;
    iterations++;
  }
  const relativeResidual = Math.sqrt(rr) / bNorm;
  return { iterations, relativeResidual, converged: Math.sqrt(rr) <= target };
}
