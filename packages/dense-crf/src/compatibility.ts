import { DenseCrfError } from './errors';

/**
 * A label compatibility as pydensecrf's `compat` argument takes it: a number (Potts), a vector
 * of one weight per label (diagonal), or a labels×labels matrix (nested arrays, or a flat
 * row-major array of labels² numbers).
 */
export type CompatibilityInput = number | ArrayLike<number> | ArrayLike<ArrayLike<number>>;

/**
 * A resolved label compatibility μ. With `f` the filtered Q of one pixel, the pairwise message is
 * P = μ(f) and mean-field subtracts it: Potts `P = −w·f`, diagonal `P = diag(v)·f`, matrix
 * `P = ½(M+Mᵀ)·f` — exactly densecrf's PottsCompatibility / DiagonalCompatibility /
 * MatrixCompatibility (note the sign: a Potts weight w equals a diagonal of −w).
 */
export type LabelCompatibility =
  | { readonly kind: 'potts'; readonly weight: number }
  | { readonly kind: 'diagonal'; readonly weights: Float32Array }
  | { readonly kind: 'matrix'; readonly matrix: Float32Array };

function finite(x: number, where: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x))
    throw new DenseCrfError('bad-parameter', `compatibility values must be finite numbers, got ${String(x)}`, { where });
  return x;
}

/** Resolves a `compat` argument for `labels` labels, checking its shape. */
export function toCompatibility(compat: CompatibilityInput, labels: number, where = 'compat'): LabelCompatibility {
  if (typeof compat === 'number') return { kind: 'potts', weight: finite(compat, where) };
  if (compat === null || typeof compat !== 'object' || typeof (compat as ArrayLike<unknown>).length !== 'number') {
    throw new DenseCrfError('bad-parameter', 'compat must be a number, a vector or a matrix', { where });
  }
  const rows = compat as ArrayLike<unknown>;
  const nested = rows.length > 0 && typeof rows[0] === 'object' && rows[0] !== null;
  if (nested) {
    const matrix = new Float32Array(labels * labels);
    if (rows.length !== labels) throw new DenseCrfError('bad-shape', `compat matrix needs ${labels} rows, got ${rows.length}`, { where });
    for (let i = 0; i < labels; i++) {
      const row = rows[i] as ArrayLike<number>;
      if (!row || row.length !== labels) throw new DenseCrfError('bad-shape', `compat matrix row ${i} needs ${labels} entries`, { where });
      for (let j = 0; j < labels; j++) matrix[i * labels + j] = finite(row[j]!, where);
    }
    return { kind: 'matrix', matrix: symmetrise(matrix, labels) };
  }
  const flat = compat as ArrayLike<number>;
  if (flat.length === labels) {
    const weights = new Float32Array(labels);
    for (let i = 0; i < labels; i++) weights[i] = finite(flat[i]!, where);
    return { kind: 'diagonal', weights };
  }
  if (flat.length === labels * labels) {
    const matrix = new Float32Array(labels * labels);
    for (let i = 0; i < matrix.length; i++) matrix[i] = finite(flat[i]!, where);
    return { kind: 'matrix', matrix: symmetrise(matrix, labels) };
  }
  throw new DenseCrfError('bad-shape', `compat vector needs ${labels} entries (or a ${labels}x${labels} matrix), got ${flat.length}`, {
    where,
  });
}

/** densecrf stores ½(M + Mᵀ). */
function symmetrise(m: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = 0.5 * (m[i * n + j]! + m[j * n + i]!);
  return out;
}

/**
 * `out[i] = μ(filtered[i])` for pixel-major arrays of `labels` values per pixel (used where the
 * message itself is needed, e.g. the KL divergence).
 */
export function applyCompatibility(c: LabelCompatibility, filtered: Float32Array, labels: number, out: Float32Array): void {
  const n = filtered.length / labels;
  if (c.kind === 'potts') {
    for (let i = 0; i < filtered.length; i++) out[i] = -c.weight * filtered[i]!;
  } else if (c.kind === 'diagonal') {
    for (let i = 0; i < n; i++) for (let k = 0; k < labels; k++) out[i * labels + k] = c.weights[k]! * filtered[i * labels + k]!;
  } else {
    const row = new Float64Array(labels);
    for (let i = 0; i < n; i++) {
      const base = i * labels;
      for (let l = 0; l < labels; l++) {
        let s = 0;
        for (let k = 0; k < labels; k++) s += c.matrix[l * labels + k]! * filtered[base + k]!;
        row[l] = s;
      }
      for (let l = 0; l < labels; l++) out[base + l] = row[l]!;
    }
  }
}

/**
 * The per-label factor with which mean-field adds the filtered Q to its energy (`tmp −= μ(f)`)
 * for compatibilities that act label by label, or null for a full matrix.
 */
export function subtractFactor(c: LabelCompatibility, labels: number): Float32Array | null {
  if (c.kind === 'potts') return new Float32Array(labels).fill(c.weight);
  if (c.kind === 'diagonal') return c.weights.map((w) => -w);
  return null;
}
