import { DenseCrfError } from './errors';

/** The smoothness (Gaussian) term: exp(−|pᵢ−pⱼ|²/2·sxy²) with Potts weight `compat`. */
export interface GaussianParams {
  /** Positional standard deviation in pixels (θγ), or `[sx, sy]`. */
  sxy: number | readonly [number, number];
  /** Potts weight w. */
  compat: number;
}

/** The appearance (bilateral) term: exp(−|pᵢ−pⱼ|²/2·sxy² − |Iᵢ−Iⱼ|²/2·srgb²) with Potts weight `compat`. */
export interface BilateralParams {
  /** Positional standard deviation in pixels (θα), or `[sx, sy]`. */
  sxy: number | readonly [number, number];
  /** Colour standard deviation on 0–255 RGB (θβ), or `[sr, sg, sb]`. */
  srgb: number | readonly [number, number, number];
  /** Potts weight w. */
  compat: number;
}

/** A complete CRF parameter set as the seeds use them. */
export interface CrfParams {
  /** Mean-field iterations. */
  iterations: number;
  gaussian: GaussianParams;
  /** The appearance term, or null to leave it out (e.g. without an image). */
  bilateral: BilateralParams | null;
}

/**
 * Parameter sets used by the reference code bases (the DeepLab-v2 rows as kazuto1011/deeplab-pytorch's
 * `configs/voc12.yaml` gives them, the others from the named source files):
 *
 * | name | source | iterations | Gaussian sxy, w | bilateral sxy, srgb, w |
 * |---|---|---|---|---|
 * | `deeplab-v2` | DeepLab-v2 ResNet-101 on VOC | 10 | 1, 3 | 67, 3, 4 |
 * | `deeplab-v2-vgg` | DeepLab-v2 VGG-16 | 10 | 2, 2 | 65, 3, 4 |
 * | `deeplab-public` | deeplab-public-ver2 `dense_inference.cpp` defaults | 10 | 3, 3 | 70, 5, 5 |
 * | `tf-crf-branch` | DrSleep tensorflow-deeplab-resnet, `crf` branch `utils.dense_crf` | 10 | (1, 1), 4 | 49, 13, 5 |
 * | `dcsp` | DCSP `deeplab_resnet/utils.py` | 10 | 3, 3 | 49, 5, 4 |
 * | `pydensecrf-example` | pydensecrf README / examples | 5 | 3, 3 | 80, 13, 10 |
 */
export const CRF_PRESETS = {
  'deeplab-v2': { iterations: 10, gaussian: { sxy: 1, compat: 3 }, bilateral: { sxy: 67, srgb: 3, compat: 4 } },
  'deeplab-v2-vgg': { iterations: 10, gaussian: { sxy: 2, compat: 2 }, bilateral: { sxy: 65, srgb: 3, compat: 4 } },
  'deeplab-public': { iterations: 10, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 70, srgb: 5, compat: 5 } },
  'tf-crf-branch': { iterations: 10, gaussian: { sxy: [1, 1], compat: 4 }, bilateral: { sxy: 49, srgb: 13, compat: 5 } },
  dcsp: { iterations: 10, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 49, srgb: 5, compat: 4 } },
  'pydensecrf-example': { iterations: 5, gaussian: { sxy: 3, compat: 3 }, bilateral: { sxy: 80, srgb: 13, compat: 10 } },
} as const satisfies Record<string, CrfParams>;

/** A name of {@link CRF_PRESETS}. */
export type CrfPresetName = keyof typeof CRF_PRESETS;

/** The preset names, in table order. */
export const CRF_PRESET_NAMES = Object.keys(CRF_PRESETS) as CrfPresetName[];

/** The preset `name` (a fresh copy), or a `bad-parameter` error listing the valid names. */
export function crfPreset(name: string): CrfParams {
  if (!Object.hasOwn(CRF_PRESETS, name)) {
    throw new DenseCrfError('bad-parameter', `unknown CRF preset '${name}' (known: ${CRF_PRESET_NAMES.join(', ')})`, { where: 'preset' });
  }
  return structuredClone(CRF_PRESETS[name as CrfPresetName]) as CrfParams;
}
