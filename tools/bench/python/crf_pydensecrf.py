"""The Python peer of `objsel crf --probs` (tools/bench/cli-startup.mjs runs both side by side).

What a pydensecrf user writes for the same job: read the image (PIL) and the softmax
probabilities (.npy [H, W, C]), refine with DenseCRF2D, write the argmax labels as a PNG.

    python crf_pydensecrf.py IMAGE PROBS.npy OUT.png ITERATIONS GAUSS_SXY GAUSS_COMPAT BIL_SXY BIL_SRGB BIL_COMPAT
"""
import sys

import numpy as np
import pydensecrf.densecrf as dcrf
from PIL import Image
from pydensecrf.utils import unary_from_softmax


def main(image_path, probs_path, out_path, iterations, gsxy, gcompat, bsxy, bsrgb, bcompat):
    image = np.array(Image.open(image_path).convert("RGB"))  # writable: pydensecrf wants a writable buffer
    probs = np.load(probs_path)  # [H, W, C]
    height, width, labels = probs.shape
    d = dcrf.DenseCRF2D(width, height, labels)
    d.setUnaryEnergy(unary_from_softmax(np.ascontiguousarray(probs.transpose(2, 0, 1))))
    d.addPairwiseGaussian(sxy=float(gsxy), compat=float(gcompat))
    d.addPairwiseBilateral(sxy=float(bsxy), srgb=float(bsrgb), rgbim=image, compat=float(bcompat))
    q = np.array(d.inference(int(iterations)))
    Image.fromarray(q.argmax(axis=0).reshape(height, width).astype(np.uint8), mode="L").save(out_path)


if __name__ == "__main__":
    main(*sys.argv[1:10])
