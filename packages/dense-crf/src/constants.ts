/**
 * How the kernel's feature transform is parametrised (densecrf's `KernelType`). For inference
 * all three filter with the features as given; they differ in what
 * {@link DenseCRF.setKernelParameters} learns: nothing (CONST), a per-feature scale (DIAG) or a
 * full d×d matrix (FULL).
 */
export const KernelType = { CONST_KERNEL: 0, DIAG_KERNEL: 1, FULL_KERNEL: 2 } as const;
/** One of {@link KernelType}'s values. */
export type KernelType = (typeof KernelType)[keyof typeof KernelType];

/**
 * How a pairwise kernel is normalised (densecrf's `NormalizationType`), with n = lattice
 * filtering of a constant 1: NO_NORMALIZATION uses the raw filter, NORMALIZE_BEFORE scales the
 * input by 1/n, NORMALIZE_AFTER the output by 1/n, NORMALIZE_SYMMETRIC (the default) both by
 * 1/√n.
 */
export const NormalizationType = { NO_NORMALIZATION: 0, NORMALIZE_BEFORE: 1, NORMALIZE_AFTER: 2, NORMALIZE_SYMMETRIC: 3 } as const;
/** One of {@link NormalizationType}'s values. */
export type NormalizationType = (typeof NormalizationType)[keyof typeof NormalizationType];

/** pydensecrf's `dcrf.CONST_KERNEL`. */
export const CONST_KERNEL = KernelType.CONST_KERNEL;
/** pydensecrf's `dcrf.DIAG_KERNEL` (the default). */
export const DIAG_KERNEL = KernelType.DIAG_KERNEL;
/** pydensecrf's `dcrf.FULL_KERNEL`. */
export const FULL_KERNEL = KernelType.FULL_KERNEL;
/** pydensecrf's `dcrf.NO_NORMALIZATION`. */
export const NO_NORMALIZATION = NormalizationType.NO_NORMALIZATION;
/** pydensecrf's `dcrf.NORMALIZE_BEFORE`. */
export const NORMALIZE_BEFORE = NormalizationType.NORMALIZE_BEFORE;
/** pydensecrf's `dcrf.NORMALIZE_AFTER`. */
export const NORMALIZE_AFTER = NormalizationType.NORMALIZE_AFTER;
/** pydensecrf's `dcrf.NORMALIZE_SYMMETRIC` (the default). */
export const NORMALIZE_SYMMETRIC = NormalizationType.NORMALIZE_SYMMETRIC;

/** Array layouts: `chw` = `[labels, N]` (pydensecrf's), `hwc` = `[N, labels]` (images, TF.js). */
export type Layout = 'chw' | 'hwc';
