import { toCompatibility, type CompatibilityInput } from './compatibility';
import { DIAG_KERNEL, KernelType, NORMALIZE_SYMMETRIC, NormalizationType, type Layout } from './constants';
import { DenseCrfError } from './errors';
import { bilateralFeatures2D, gaussianFeatures2D } from './features';
import type { LabelArray } from './labels';
import { argmaxLabels, chwToHwc, hwcToChw } from './layout';
import { JsMeanField, type EngineKind, type MeanFieldEngine } from './engine';
import { PairwiseTerm } from './pairwise';
import type { OnProgress } from './progress';
import { WasmMeanField } from './wasm/engine';
import { wasmSimdSupported } from './wasm/runtime';

/** Options of the {@link DenseCRF} constructor. */
export interface DenseCrfOptions {
  /**
   * `auto` (default): WebAssembly SIMD where the runtime has it, else JavaScript; `wasm`: insist
   * on it; `js`: the float64 JavaScript reference implementation.
   */
  engine?: EngineKind;
  /**
   * Threads for the WebAssembly engine (Node only, default 1): the calling thread plus
   * `threads − 1` worker threads split the labels while filtering and the pixels while
   * normalising. Ignored where worker threads are unavailable and with full compatibility matrices.
   */
  threads?: number;
}

/** Options of {@link DenseCRF.inference}. */
export interface InferenceOptions {
  /** Layout of the returned probabilities: `chw` = `[labels, N]` (default, pydensecrf's), `hwc` = `[N, labels]`. */
  layout?: Layout;
  /** Called after every iteration with `{ task: 'crf', done, total }`. */
  onProgress?: OnProgress;
}

/**
 * The marginals during step-by-step inference (pydensecrf's `Q, tmp1, tmp2 =
 * d.startInference()`): pass it to {@link DenseCRF.stepInference} and
 * {@link DenseCRF.klDivergence}.
 */
export class MeanFieldState {
  /** Iterations done so far. */
  iteration = 0;

  /** @internal */
  constructor(
    /** Q, pixel-major `[N, labels]` (modified in place by each step). */
    readonly q: Float32Array,
    readonly nVariables: number,
    readonly nLabels: number,
  ) {}

  /** A copy of Q in the given layout (`chw` = pydensecrf's `np.array(Q)`, the default). */
  probabilities(layout: Layout = 'chw'): Float32Array {
    return layout === 'hwc' ? this.q.slice() : hwcToChw(this.q, this.nVariables, this.nLabels);
  }
}

function positiveInteger(v: number, name: string): void {
  if (!Number.isInteger(v) || v < 1)
    throw new DenseCrfError('bad-parameter', `${name} must be a positive integer, got ${String(v)}`, { where: name });
}

function imageArea(width: number, height: number): number {
  positiveInteger(width, 'width');
  positiveInteger(height, 'height');
  return width * height;
}

function checkEnum(v: number, allowed: Record<string, number>, name: string): void {
  if (!Object.values(allowed).includes(v)) throw new DenseCrfError('bad-parameter', `unknown ${name} ${String(v)}`, { where: name });
}

/**
 * A fully connected CRF over N variables with M labels (pydensecrf's `dcrf.DenseCRF(N, M)`):
 * unary energies plus any number of Gaussian pairwise terms over arbitrary features, solved by
 * mean-field inference with permutohedral-lattice filtering (Krähenbühl & Koltun 2011).
 */
export class DenseCRF {
  /** The unary energy U as given (a copy) and its layout; null = not set (U = 0, as in densecrf). */
  protected unary: { data: Float32Array; layout: Layout } | null = null;
  private negUnaryCache: Float32Array | null = null;
  /** The pairwise terms in the order they were added. */
  protected readonly terms: PairwiseTerm[] = [];

  /** The solver implementation asked for. */
  readonly engineKind: EngineKind;
  /** Threads the WebAssembly engine may use. */
  readonly threads: number;
  private engine: MeanFieldEngine | null = null;

  constructor(
    /** Number of variables N (pixels). */
    readonly nVariables: number,
    /** Number of labels. */
    readonly nLabels: number,
    options: DenseCrfOptions = {},
  ) {
    positiveInteger(nVariables, 'nVariables');
    positiveInteger(nLabels, 'nLabels');
    const kind = options.engine ?? 'auto';
    if (kind !== 'auto' && kind !== 'wasm' && kind !== 'js')
      throw new DenseCrfError('bad-parameter', `unknown engine '${String(kind)}'`, { where: 'engine' });
    if (kind === 'wasm' && !wasmSimdSupported())
      throw new DenseCrfError('bad-parameter', 'this runtime has no WebAssembly SIMD; use engine "js"', { where: 'engine' });
    this.engineKind = kind;
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64)
      throw new DenseCrfError('bad-parameter', `threads must be an integer in 1..64, got ${String(threads)}`, { where: 'threads' });
    this.threads = threads;
  }

  /** −U, pixel-major `[N, labels]` (zeros when no unary is set). */
  protected negUnaryHwc(): Float32Array {
    if (!this.negUnaryCache) {
      const N = this.nVariables;
      const L = this.nLabels;
      const out = new Float32Array(N * L);
      const u = this.unary;
      if (u && u.layout === 'hwc') for (let i = 0; i < out.length; i++) out[i] = -u.data[i]!;
      else if (u) for (let l = 0; l < L; l++) for (let i = 0; i < N; i++) out[i * L + l] = -u.data[l * N + i]!;
      this.negUnaryCache = out;
    }
    return this.negUnaryCache;
  }

  /** Which implementation inference uses: `wasm` (SIMD, float32) or `js` (float64 reference). */
  get engineName(): 'wasm' | 'js' {
    return this.engineKind === 'js' || (this.engineKind === 'auto' && !wasmSimdSupported()) ? 'js' : 'wasm';
  }

  /**
   * Releases the solver's WebAssembly memory so that the next CRF reuses it (its pages are then
   * already mapped). Optional — memory is garbage-collected anyway — but it saves time when many
   * images are processed in turn; the CRF stays usable (the solver is rebuilt on demand).
   */
  dispose(): void {
    this.engine?.dispose();
    this.engine = null;
  }

  /** The solver for the current terms (built on first use, dropped when terms change). */
  protected solver(): MeanFieldEngine {
    if (!this.engine) {
      this.engine =
        this.engineName === 'wasm'
          ? new WasmMeanField(
              this.unary?.data ?? null,
              this.unary?.layout ?? 'hwc',
              this.terms,
              this.nVariables,
              this.nLabels,
              this.threads,
            )
          : new JsMeanField(this.negUnaryHwc(), this.terms, this.nLabels);
    }
    return this.engine;
  }

  /** Number of pairwise terms added so far. */
  get pairwiseCount(): number {
    return this.terms.length;
  }

  /**
   * Sets the unary energy (negative log-probability per label and variable): `[labels, N]` as
   * pydensecrf takes it, or `[N, labels]` (HWC) with `{ layout: 'hwc' }`.
   */
  setUnaryEnergy(u: Float32Array, options: { layout?: Layout } = {}): void {
    const N = this.nVariables;
    const L = this.nLabels;
    if (!(u instanceof Float32Array))
      throw new DenseCrfError('bad-parameter', 'unary energy must be a Float32Array', { where: 'setUnaryEnergy' });
    if (u.length !== N * L) {
      throw new DenseCrfError('bad-shape', `bad shape for unary energy: need ${L}x${N} = ${N * L} values, got ${u.length}`, {
        where: 'setUnaryEnergy',
      });
    }
    // Reject NaN and −∞ (+∞ is allowed: that label is impossible).
    for (let i = 0; i < u.length; i++) {
      if (!(u[i]! > -Infinity)) throw new DenseCrfError('bad-parameter', `unary energy at ${i} is ${u[i]}`, { where: 'setUnaryEnergy' });
    }
    this.unary = { data: u.slice(), layout: options.layout === 'hwc' ? 'hwc' : 'chw' };
    this.negUnaryCache = null;
    this.dispose();
  }

  /**
   * Adds a Gaussian pairwise term over `features` (`[d, N]`, feature-major, already divided by
   * their standard deviations) with label compatibility `compat` (a number = Potts, a vector =
   * diagonal, a matrix). pydensecrf's `addPairwiseEnergy(feats, compat, kernel, normalization)`.
   */
  addPairwiseEnergy(
    features: Float32Array,
    compat: CompatibilityInput,
    kernel: KernelType = DIAG_KERNEL,
    normalization: NormalizationType = NORMALIZE_SYMMETRIC,
  ): void {
    const N = this.nVariables;
    if (!(features instanceof Float32Array))
      throw new DenseCrfError('bad-parameter', 'features must be a Float32Array [d, N]', { where: 'addPairwiseEnergy' });
    const d = features.length / N;
    if (!Number.isInteger(d) || d < 1) {
      throw new DenseCrfError('bad-shape', `bad shape for pairwise energy: need (d, ${N}) values, got ${features.length}`, {
        where: 'addPairwiseEnergy',
      });
    }
    for (let i = 0; i < features.length; i++) {
      if (!Number.isFinite(features[i]!))
        throw new DenseCrfError('bad-parameter', `feature value at ${i} is ${features[i]}`, { where: 'addPairwiseEnergy' });
    }
    this.addTerm(features, d, compat, kernel, normalization);
  }

  /** Adds a term whose features are known to be finite and `[d, N]`. */
  protected addTerm(
    features: Float32Array,
    d: number,
    compat: CompatibilityInput,
    kernel: KernelType,
    normalization: NormalizationType,
  ): void {
    checkEnum(kernel, KernelType, 'kernel');
    checkEnum(normalization, NormalizationType, 'normalization');
    const compatibility = toCompatibility(compat, this.nLabels);
    this.terms.push(
      new PairwiseTerm(
        features,
        d,
        this.nVariables,
        this.nLabels,
        compatibility,
        kernel,
        normalization,
        this.engineKind === 'js' ? 'js' : 'auto',
      ),
    );
    this.dispose();
  }

  /**
   * Runs `iterations` mean-field iterations from Q₀ = softmax(−U) and returns the marginals Q,
   * `[labels, N]` like pydensecrf's `np.array(d.inference(n))` (or HWC with `{ layout: 'hwc' }`).
   */
  inference(iterations: number, options: InferenceOptions = {}): Float32Array {
    if (!Number.isInteger(iterations) || iterations < 0)
      throw new DenseCrfError('bad-parameter', `iterations must be a non-negative integer, got ${iterations}`, { where: 'inference' });
    return this.solver().run(iterations, options.layout ?? 'chw', (done) => options.onProgress?.({ task: 'crf', done, total: iterations }));
  }

  /** The most probable label per variable after `iterations` iterations (densecrf's `map`; at most 256 labels). */
  map(iterations: number): LabelArray {
    return argmaxLabels(this.inference(iterations, { layout: 'hwc' }), this.nVariables, this.nLabels, 'hwc');
  }

  /** Q₀ = softmax(−U) for step-by-step inference (pydensecrf's `startInference()`). */
  startInference(): MeanFieldState {
    return new MeanFieldState(this.solver().initial(), this.nVariables, this.nLabels);
  }

  /** One mean-field iteration on `state` in place (pydensecrf's `stepInference(Q, tmp1, tmp2)`). */
  stepInference(state: MeanFieldState): void {
    if (state.nVariables !== this.nVariables || state.nLabels !== this.nLabels)
      throw new DenseCrfError('bad-shape', 'state belongs to a CRF of another size', { where: 'stepInference' });
    this.solver().iterate(state.q, 1);
    state.iteration++;
  }

  /**
   * densecrf's `klDivergence(Q)` (up to the constant log Z): Σ Q log Q + Σ U·Q + Σₖ Σ Q·μₖ(Kₖ⊛Q),
   * for a {@link MeanFieldState} or marginals `[labels, N]`.
   */
  klDivergence(q: MeanFieldState | Float32Array): number {
    let pixelMajor: Float32Array;
    if (q instanceof MeanFieldState) pixelMajor = q.q;
    else {
      if (q.length !== this.nVariables * this.nLabels)
        throw new DenseCrfError('bad-shape', `Q needs ${this.nLabels}x${this.nVariables} values, got ${q.length}`, {
          where: 'klDivergence',
        });
      pixelMajor = chwToHwc(q, this.nVariables, this.nLabels);
    }
    let kl = 0;
    for (let i = 0; i < pixelMajor.length; i++) {
      const v = pixelMajor[i]!;
      kl += v * Math.log(Math.max(v, 1e-20));
    }
    if (this.unary) {
      const negU = this.negUnaryHwc();
      for (let i = 0; i < pixelMajor.length; i++) kl -= negU[i]! * pixelMajor[i]!;
    }
    for (const term of this.terms) {
      const message = term.message(pixelMajor);
      for (let i = 0; i < pixelMajor.length; i++) kl += pixelMajor[i]! * message[i]!;
    }
    return kl;
  }

  /** All pairwise terms' kernel parameters, concatenated (densecrf's `kernelParameters()`). */
  kernelParameters(): Float32Array {
    const parts = this.terms.map((t) => t.kernelParameters());
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  /**
   * Sets all kernel parameters (densecrf's `setKernelParameters`): per DIAG term one scale per
   * feature, per FULL term a d×d column-major matrix applied to the features; rebuilds lattices.
   */
  setKernelParameters(p: ArrayLike<number>): void {
    const sizes = this.terms.map((t) => t.kernelParameters().length);
    const total = sizes.reduce((s, n) => s + n, 0);
    if (p.length !== total)
      throw new DenseCrfError('bad-shape', `need ${total} kernel parameters, got ${p.length}`, { where: 'setKernelParameters' });
    let at = 0;
    this.terms.forEach((t, k) => {
      t.setKernelParameters(Array.prototype.slice.call(p, at, at + sizes[k]!) as number[]);
      at += sizes[k]!;
    });
    this.dispose();
  }
}

/** Options of {@link DenseCRF2D.addPairwiseGaussian}. */
export interface GaussianOptions {
  /** Positional standard deviation θγ in pixels: one number or `[sx, sy]`. */
  sxy: number | readonly [number, number];
  /** Label compatibility (number = Potts weight w). */
  compat: CompatibilityInput;
  /** Default DIAG_KERNEL. */
  kernel?: KernelType;
  /** Default NORMALIZE_SYMMETRIC. */
  normalization?: NormalizationType;
}

/** Options of {@link DenseCRF2D.addPairwiseBilateral}. */
export interface BilateralOptions extends GaussianOptions {
  /** Colour standard deviation θβ on 0–255 values: one number or `[sr, sg, sb]`. */
  srgb: number | readonly [number, number, number];
  /** Interleaved RGB bytes, H·W·3 (row-major, like a `uint8 [H, W, 3]` array). */
  rgbim: Uint8Array | Uint8ClampedArray;
}

function pair(v: number | readonly [number, number], where: string): [number, number] {
  const p: unknown[] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [...v] : [v];
  if (p.length !== 2 || p.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x <= 0)) {
    throw new DenseCrfError('bad-parameter', `sxy must be a positive number or two, got ${JSON.stringify(v)}`, { where });
  }
  return p as [number, number];
}

function triple(v: number | readonly [number, number, number], where: string): [number, number, number] {
  const p: unknown[] = typeof v === 'number' ? [v, v, v] : Array.isArray(v) ? [...v] : [v];
  if (p.length !== 3 || p.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x <= 0)) {
    throw new DenseCrfError('bad-parameter', `srgb must be a positive number or three, got ${JSON.stringify(v)}`, { where });
  }
  return p as [number, number, number];
}

/** A number or a tuple of numbers: the positional `sxy` / `srgb` of pydensecrf. */
function isNumberOrTuple(v: unknown): boolean {
  return typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number'));
}

function isOptionsObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function usage(method: string, form: string, example: string, args: unknown[]): DenseCrfError {
  const got = args.map((a) => (ArrayBuffer.isView(a) ? a.constructor.name : typeof a === 'object' ? JSON.stringify(a) : String(a)));
  return new DenseCrfError(
    'bad-parameter',
    `${method} takes pydensecrf's positional form ${form} or one options object, e.g. d.${method}(${example}); got (${got.join(', ')})`,
    { where: method },
  );
}

/** The arguments of `addPairwiseGaussian` in either form, as options. */
function gaussianArguments(args: unknown[]): GaussianOptions {
  if (args.length === 1 && isOptionsObject(args[0])) return args[0] as unknown as GaussianOptions;
  if (args.length >= 2 && args.length <= 4 && isNumberOrTuple(args[0]) && args[1] !== undefined && !isOptionsObject(args[1])) {
    const [sxy, compat, kernel, normalization] = args as [GaussianOptions['sxy'], CompatibilityInput, KernelType?, NormalizationType?];
    return { sxy, compat, ...(kernel === undefined ? {} : { kernel }), ...(normalization === undefined ? {} : { normalization }) };
  }
  throw usage('addPairwiseGaussian', '(sxy, compat, kernel?, normalization?)', '{ sxy: 3, compat: 3 }', args);
}

/** The arguments of `addPairwiseBilateral` in either form, as options. */
function bilateralArguments(args: unknown[]): BilateralOptions {
  if (args.length === 1 && isOptionsObject(args[0])) return args[0] as unknown as BilateralOptions;
  if (args.length >= 4 && args.length <= 6 && isNumberOrTuple(args[0]) && isNumberOrTuple(args[1]) && ArrayBuffer.isView(args[2])) {
    const [sxy, srgb, rgbim, compat, kernel, normalization] = args as [
      BilateralOptions['sxy'],
      BilateralOptions['srgb'],
      BilateralOptions['rgbim'],
      CompatibilityInput,
      KernelType?,
      NormalizationType?,
    ];
    return {
      sxy,
      srgb,
      rgbim,
      compat,
      ...(kernel === undefined ? {} : { kernel }),
      ...(normalization === undefined ? {} : { normalization }),
    };
  }
  throw usage(
    'addPairwiseBilateral',
    '(sxy, srgb, rgbim, compat, kernel?, normalization?)',
    '{ sxy: 80, srgb: 13, rgbim: rgb, compat: 10 }',
    args,
  );
}

/**
 * A fully connected CRF on a W×H image (pydensecrf's `dcrf.DenseCRF2D(W, H, M)`): N = W·H
 * variables, pixel index y·W + x, with the image-specific pairwise terms.
 */
export class DenseCRF2D extends DenseCRF {
  constructor(
    readonly width: number,
    readonly height: number,
    nLabels: number,
    options: DenseCrfOptions = {},
  ) {
    super(imageArea(width, height), nLabels, options);
  }

  /**
   * The smoothness kernel exp(−|pᵢ−pⱼ|²/2θγ²): features (x/sx, y/sy). Takes pydensecrf's
   * positional form `(sxy, compat, kernel?, normalization?)` or one options object.
   *
   * @example
   * ```ts
   * d.addPairwiseGaussian(3, 3); // pydensecrf: d.addPairwiseGaussian(sxy=3, compat=3)
   * d.addPairwiseGaussian({ sxy: [3, 3], compat: 3 });
   * ```
   */
  addPairwiseGaussian(options: GaussianOptions): void;
  addPairwiseGaussian(
    sxy: GaussianOptions['sxy'],
    compat: CompatibilityInput,
    kernel?: KernelType,
    normalization?: NormalizationType,
  ): void;
  addPairwiseGaussian(...args: unknown[]): void {
    const options = gaussianArguments(args);
    const [sx, sy] = pair(options.sxy, 'addPairwiseGaussian: sxy');
    this.addTerm(
      gaussianFeatures2D(this.width, this.height, sx, sy),
      2,
      options.compat,
      options.kernel ?? DIAG_KERNEL,
      options.normalization ?? NORMALIZE_SYMMETRIC,
    );
  }

  /**
   * The appearance kernel exp(−|pᵢ−pⱼ|²/2θα² − |Iᵢ−Iⱼ|²/2θβ²): features (x/sx, y/sy, r/sr, g/sg,
   * b/sb). Takes pydensecrf's positional form `(sxy, srgb, rgbim, compat, kernel?,
   * normalization?)` or one options object.
   *
   * @example
   * ```ts
   * d.addPairwiseBilateral(80, 13, rgb, 10); // pydensecrf: d.addPairwiseBilateral(sxy=80, srgb=13, rgbim=im, compat=10)
   * d.addPairwiseBilateral({ sxy: 80, srgb: [13, 13, 13], rgbim: rgb, compat: 10 });
   * ```
   */
  addPairwiseBilateral(options: BilateralOptions): void;
  addPairwiseBilateral(
    sxy: BilateralOptions['sxy'],
    srgb: BilateralOptions['srgb'],
    rgbim: BilateralOptions['rgbim'],
    compat: CompatibilityInput,
    kernel?: KernelType,
    normalization?: NormalizationType,
  ): void;
  addPairwiseBilateral(...args: unknown[]): void {
    const options = bilateralArguments(args);
    const [sx, sy] = pair(options.sxy, 'addPairwiseBilateral: sxy');
    const srgb = triple(options.srgb, 'addPairwiseBilateral: srgb');
    const im = options.rgbim;
    if (!(im instanceof Uint8Array || im instanceof Uint8ClampedArray))
      throw new DenseCrfError('bad-parameter', 'rgbim must be a Uint8Array (H*W*3 RGB bytes)', { where: 'addPairwiseBilateral' });
    if (im.length !== this.nVariables * 3) {
      throw new DenseCrfError(
        'bad-shape',
        `bad shape for pairwise bilateral: need ${this.height}x${this.width}x3 = ${this.nVariables * 3} bytes, got ${im.length}`,
        { where: 'addPairwiseBilateral' },
      );
    }
    this.addTerm(
      bilateralFeatures2D(this.width, this.height, sx, sy, srgb, im),
      5,
      options.compat,
      options.kernel ?? DIAG_KERNEL,
      options.normalization ?? NORMALIZE_SYMMETRIC,
    );
  }
}
