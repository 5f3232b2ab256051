"""pydensecrf as the `--reference` program of tools/bench/dense-crf.mjs (`--python BIN` runs it).

    python densecrf_reference.py W H LABELS ITERS GAUSS_SXY GAUSS_W BIL_SXY BIL_SRGB BIL_W REPEAT image.rgb unary.f32 q.f32

image.rgb: H*W*3 bytes; unary.f32: float32 pixel-major [N, LABELS]; writes Q the same way and
prints {"total", "setup", "inference"} in seconds (the fastest of REPEAT runs), timed like the
JavaScript side: DenseCRF2D, setUnaryEnergy, both pairwise terms, inference.
"""
import json
import sys
import time

import numpy as np
import pydensecrf.densecrf as dcrf


def main(args):
    w, h, labels, iterations = (int(a) for a in args[:4])
    gsxy, gw, bsxy, bsrgb, bw = (float(a) for a in args[4:9])
    repeat = int(args[9])
    image = np.fromfile(args[10], dtype=np.uint8).reshape(h, w, 3)
    unary = np.ascontiguousarray(np.fromfile(args[11], dtype=np.float32).reshape(w * h, labels).T)
    best = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        d = dcrf.DenseCRF2D(w, h, labels)
        d.setUnaryEnergy(unary)
        d.addPairwiseGaussian(sxy=gsxy, compat=gw)
        d.addPairwiseBilateral(sxy=bsxy, srgb=bsrgb, rgbim=image, compat=bw)
        t1 = time.perf_counter()
        q = np.array(d.inference(iterations), dtype=np.float32)
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best["total"]:
            best = {"total": t2 - t0, "setup": t1 - t0, "inference": t2 - t1}
    np.ascontiguousarray(q.T).tofile(args[12])
    print(json.dumps(best))


if __name__ == "__main__":
    main(sys.argv[1:])
