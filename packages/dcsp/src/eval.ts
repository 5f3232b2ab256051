import { DeepLabSegmenter, evaluate, type EvaluateSettings, type EvaluationResult, type Refine } from '@objsel/deeplab-resnet';
import { crfRefine } from '@objsel/dense-crf';
import type { RgbImage } from '@objsel/voc-data';
import { DCSP_SCALES } from './cues/constants';
import type { DcspNetwork } from './network';

/**
 * DCSP's dense CRF (deeplab_resnet/utils.py `dense_crf`) as a refinement of soft-max
 * probabilities: unary −log(p), 10 mean-field iterations, Gaussian sxy 3 / compat 3,
 * bilateral sxy 49, srgb 5, compat 4 (dense-crf's `dcsp` preset); returns the argmax labels.
 */
export const dcspCrf: Refine = ({ probs, image, width, height, numLabels }) =>
  crfRefine({ probs, image: image.data, width, height, numLabels, preset: 'dcsp' }).labels;

/** How DCSP predicts a full image (evaluate.py, test_voc.py). */
export interface DcspPredictOptions {
  /** Input scales fused by max at logit resolution; DCSP: 1, 0.75, 0.5. */
  scales?: readonly number[];
  /** Dense CRF on the soft-max ({@link dcspCrf}). */
  crf?: boolean;
}

/**
 * DCSP's predictions (evaluate.py, test_voc.py) with one folded copy of the segmentation
 * network (deeplab-resnet's `DeepLabSegmenter`): `fc1_voc12` at 3 scales, max-fused, bilinear
 * to the image size, then argmax, or soft-max → dense CRF → argmax. Dispose when done.
 */
export class DcspPredictor {
  private constructor(
    private readonly segmenter: DeepLabSegmenter,
    /** Classes of the network (background included). */
    readonly numClasses: number,
  ) {}

  /** A predictor over the network's current weights. */
  static fromNetwork(network: DcspNetwork): DcspPredictor {
    return new DcspPredictor(DeepLabSegmenter.fromModel(network.deeplab), network.numClasses);
  }

  /** One class per pixel, row-major. */
  async predict(image: RgbImage, options: DcspPredictOptions = {}): Promise<Uint8Array> {
    const { width, height } = image;
    const { labels, probabilities } = await this.segmenter.segment(image, {
      scales: options.scales ?? DCSP_SCALES,
      probabilities: options.crf === true,
    });
    if (!options.crf) return labels;
    return dcspCrf({ probs: probabilities!, image, width, height, numLabels: this.numClasses });
  }

  /** Frees the folded weights. */
  dispose(): void {
    this.segmenter.dispose();
  }
}

/** {@link DcspPredictor} for a single image. */
export async function predictDcsp(network: DcspNetwork, image: RgbImage, options: DcspPredictOptions = {}): Promise<Uint8Array> {
  const predictor = DcspPredictor.fromNetwork(network);
  try {
    return await predictor.predict(image, options);
  } finally {
    predictor.dispose();
  }
}

/**
 * DCSP's evaluate.py: deeplab-resnet's evaluation (full images, confusion matrix with 255
 * ignored, mean IoU) with DCSP's 3 scales and, with `crf`, its dense CRF.
 */
export function evaluateDcsp(
  options: Omit<EvaluateSettings, 'refine'> & { network: DcspNetwork; crf?: boolean },
): Promise<EvaluationResult> {
  const { crf, network, ...rest } = options;
  // The segmentation output is DeepLab's alone: evaluating the DeepLab part lets deeplab-resnet fold its BatchNorm.
  return evaluate({ ...rest, network: network.deeplab, scales: options.scales ?? DCSP_SCALES, ...(crf ? { refine: dcspCrf } : {}) });
}
