import { applyCompatibility, subtractFactor, type LabelCompatibility } from './compatibility';
import { KernelType, NormalizationType } from './constants';
import { DenseCrfError } from './errors';
import { blur, latticeBufferLength, latticeFilter, slice, splat } from './lattice-filter';
import { buildLattice, type PermutohedralLattice } from './permutohedral';

/** Scratch memory one pairwise term needs per filtering of `labels` values. */
interface FilterBuffers {
  values: Float32Array;
  scratch: Float32Array;
  row: Float64Array;
  /** Filtered Q, only for matrix compatibilities. */
  filtered: Float32Array | null;
}

/**
 * One pairwise potential: a Gaussian kernel over `d` features of N points (filtered with a
 * permutohedral lattice), its normalisation and its label compatibility — densecrf's
 * `PairwisePotential` + `DenseKernel`.
 */
export class PairwiseTerm {
  /** The lattice over the (parameter-transformed) features. */
  lattice!: PermutohedralLattice;
  private scaleCache: { inScale: Float32Array | null; outScale: Float32Array | null } | null = null;
  /** `tmp += factor[k]·f[k]` realises `tmp −= μ(f)` when μ acts label by label; null for a matrix. */
  readonly factor: Float32Array | null;
  private kernelParams: Float32Array;
  private buffers: FilterBuffers | null = null;

  constructor(
    /** Features `[d, n]`, feature-major. */
    readonly features: Float32Array,
    readonly d: number,
    readonly n: number,
    readonly labels: number,
    readonly compatibility: LabelCompatibility,
    readonly kernel: KernelType,
    readonly normalization: NormalizationType,
    /** Lattice construction: `js` for the pure JavaScript reference, else WebAssembly where available. */
    private readonly latticeEngine: 'auto' | 'js' = 'auto',
  ) {
    this.factor = subtractFactor(compatibility, labels);
    if (kernel === KernelType.DIAG_KERNEL) this.kernelParams = new Float32Array(d).fill(1);
    else if (kernel === KernelType.FULL_KERNEL) {
      this.kernelParams = new Float32Array(d * d);
      for (let i = 0; i < d; i++) this.kernelParams[i * d + i] = 1;
    } else this.kernelParams = new Float32Array(0);
    this.initLattice(features);
  }

  private initLattice(features: Float32Array): void {
    this.lattice = buildLattice(features, this.d, this.n, this.latticeEngine);
    this.buffers = null;
    this.scaleCache = null;
  }

  /** Whether the normalisation needs the filtered constant 1 (all modes but NO_NORMALIZATION). */
  get needsNorm(): boolean {
    return this.normalization !== NormalizationType.NO_NORMALIZATION;
  }

  /** Whether {@link scales} is already known (so an engine need not compute the norm). */
  get hasScales(): boolean {
    return this.scaleCache !== null;
  }

  /**
   * Sets the normalisation from `raw` = lattice filtering of a constant 1 (an engine may compute
   * it its own way): symmetric 1/√(raw+1e-20) before and after, before/after 1/(raw+1e-20).
   */
  setRawNorm(raw: ArrayLike<number>): void {
    const ntype = this.normalization;
    const scale = new Float32Array(this.n);
    if (ntype === NormalizationType.NORMALIZE_SYMMETRIC) {
      for (let i = 0; i < this.n; i++) scale[i] = 1 / Math.sqrt(raw[i]! + 1e-20);
    } else {
      for (let i = 0; i < this.n; i++) scale[i] = 1 / (raw[i]! + 1e-20);
    }
    this.scaleCache = {
      inScale: ntype === NormalizationType.NORMALIZE_SYMMETRIC || ntype === NormalizationType.NORMALIZE_BEFORE ? scale : null,
      outScale: ntype === NormalizationType.NORMALIZE_SYMMETRIC || ntype === NormalizationType.NORMALIZE_AFTER ? scale : null,
    };
  }

  /** Per-point factors applied before splatting and after slicing (null = none). */
  scales(): { inScale: Float32Array | null; outScale: Float32Array | null } {
    if (!this.scaleCache) {
      if (this.needsNorm) this.setRawNorm(latticeFilter(this.lattice, new Float32Array(this.n).fill(1), 1));
      else this.scaleCache = { inScale: null, outScale: null };
    }
    return this.scaleCache!;
  }

  /** The kernel parameters (DIAG: d scales, FULL: d×d column-major, CONST: none), densecrf's order. */
  kernelParameters(): Float32Array {
    return this.kernelParams.slice();
  }

  /** Sets the kernel parameters and rebuilds the lattice on the transformed features (densecrf's `setKernelParameters`). */
  setKernelParameters(p: ArrayLike<number>): void {
    if (this.kernel === KernelType.CONST_KERNEL) return;
    if (p.length !== this.kernelParams.length) {
      throw new DenseCrfError('bad-shape', `kernel parameters need ${this.kernelParams.length} values, got ${p.length}`, {
        where: 'setKernelParameters',
      });
    }
    const { d, n } = this;
    const f = this.features;
    const transformed = new Float32Array(d * n);
    if (this.kernel === KernelType.DIAG_KERNEL) {
      for (let j = 0; j < d; j++) for (let i = 0; i < n; i++) transformed[j * n + i] = p[j]! * f[j * n + i]!;
    } else {
      // P (d×d, column-major as Eigen stores it) times the features.
      for (let r = 0; r < d; r++)
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += p[c * d + r]! * f[c * n + i]!;
          transformed[r * n + i] = s;
        }
    }
    this.kernelParams = Float32Array.from(p);
    this.initLattice(transformed);
  }

  private filterBuffers(): FilterBuffers {
    if (!this.buffers) {
      const len = latticeBufferLength(this.lattice, this.labels);
      this.buffers = {
        values: new Float32Array(len),
        scratch: new Float32Array(len),
        row: new Float64Array(this.labels),
        filtered: this.factor === null ? new Float32Array(this.n * this.labels) : null,
      };
    }
    return this.buffers;
  }

  /** Mean-field's message step for pixel-major Q: `tmp −= μ(K ⊛ Q)` (K normalised). */
  subtractMessage(q: Float32Array, tmp: Float32Array): void {
    const L = this.labels;
    const b = this.filterBuffers();
    const { inScale, outScale } = this.scales();
    splat(this.lattice, q, L, 0, L, inScale, b.values);
    const blurred = blur(this.lattice, L, b.values, b.scratch);
    if (this.factor !== null) {
      slice(this.lattice, blurred, L, outScale, this.factor, tmp, L, 0, true, b.row);
      return;
    }
    const filtered = b.filtered!;
    slice(this.lattice, blurred, L, outScale, null, filtered, L, 0, false, b.row);
    const message = new Float32Array(filtered.length);
    applyCompatibility(this.compatibility, filtered, L, message);
    for (let i = 0; i < tmp.length; i++) tmp[i]! -= message[i]!;
  }

  /** The message `μ(K ⊛ Q)` for pixel-major Q (allocates; for diagnostics such as the KL divergence). */
  message(q: Float32Array): Float32Array {
    const L = this.labels;
    const b = this.filterBuffers();
    const { inScale, outScale } = this.scales();
    splat(this.lattice, q, L, 0, L, inScale, b.values);
    const blurred = blur(this.lattice, L, b.values, b.scratch);
    const filtered = new Float32Array(this.n * L);
    slice(this.lattice, blurred, L, outScale, null, filtered, L, 0, false, b.row);
    applyCompatibility(this.compatibility, filtered, L, filtered);
    return filtered;
  }
}
