import { describe, expect, it } from 'vitest';
import { createMethodPredictor, grabCut, maskIou, runRobot, type Box } from '../src/index';
import { colourMask, maskHash, readLabel, readPhoto } from './classic-helpers';

// Real photos (../shared/fixtures): the VOC 2012 photo 2007_000129 (334x500; label 15 person,
// 2 bicycle, 255 void) and two of pydensecrf's example photos, whose example results colour the
// bench (im2) and the boy (im3).
const voc = readPhoto('deeplab/2007_000129.jpg');
const vocLabel = readLabel('deeplab/2007_000129.png');
const im2 = readPhoto('pydensecrf/im2.png');
const im3 = readPhoto('pydensecrf/im3.png');
const bench = colourMask(readPhoto('pydensecrf/out2.png'), [[0, 192, 0]]);
const boy = colourMask(readPhoto('pydensecrf/out3.png'), [
  [64, 64, 0],
  [192, 128, 0],
]);

function insideBox(mask: Uint8Array, width: number, box: Box): Uint8Array {
  return mask.map((v, i) =>
    v && i % width >= box[0] && i % width < box[2] && Math.floor(i / width) >= box[1] && Math.floor(i / width) < box[3] ? 1 : 0,
  );
}

/**
 * cv2.grabCut(bgr, mask, rect, bgdModel, fgdModel, 5, cv2.GC_INIT_WITH_RECT) in a fresh process
 * of opencv-python-headless 5.0.0.93 on the same pixels (the RGB decoded here, passed as BGR):
 * number of foreground pixels (GC_FGD or GC_PR_FGD) and FNV-1a of the 0/1 mask, as printed by
 * `python3 tools/compare/grabcut-opencv.py`.
 */
const OPENCV = [
  { name: 'VOC 2007_000129', image: voc, box: [68, 0, 285, 470] as Box, count: 39672, hash: 2235462643 },
  { name: 'pydensecrf im2', image: im2, box: [26, 10, 275, 210] as Box, count: 17702, hash: 1556061773 },
  { name: 'pydensecrf im3', image: im3, box: [70, 40, 192, 270] as Box, count: 11965, hash: 2169260296 },
];

describe('GrabCut on real photos', () => {
  let cached: Uint8Array[] | null = null;
  const results = (): Uint8Array[] => {
    cached ??= OPENCV.map(({ image, box }) => grabCut(image, { clicks: [], box }).mask);
    return cached;
  };

  it("gives OpenCV's mask, pixel for pixel, for the same box and 5 iterations", () => {
    OPENCV.forEach(({ count, hash }, k) => {
      const mask = results()[k]!;
      expect({ count: mask.reduce((s, v) => s + v, 0), hash: maskHash(mask) }).toEqual({ count, hash });
    });
  });

  it('gives plausible masks: IoU with the labelled objects in the box', () => {
    const box = OPENCV[0]!.box;
    const cyclist = insideBox(
      vocLabel.map((v) => (v === 15 || v === 2 ? 1 : 0)),
      voc.width,
      box,
    );
    const void255 = vocLabel.map((v) => (v === 255 ? 1 : 0));
    // Person and bicycle in the box (GrabCut takes the rider with his bicycle; OpenCV the same).
    expect(maskIou(cyclist, results()[0]!, void255)).toBeGreaterThan(0.6);
    expect(maskIou(bench, results()[1]!)).toBeGreaterThan(0.55);
    expect(maskIou(boy, results()[2]!)).toBeGreaterThan(0.9);
  });
});

describe('every method with the click robot on a real photo', () => {
  for (const [name, threshold] of [
    ['grabcut', 0.9],
    ['graphcut-colour', 0.9],
    ['random-walker', 0.7],
    ['geodesic', 0.85],
  ] as const) {
    it(`${name}: IoU with the boy after 5 clicks > ${threshold}`, async () => {
      const run = await runRobot(boy, im3.width, im3.height, createMethodPredictor(im3, name), { maxClicks: 5, fullCurve: true });
      expect(run.ious[4]).toBeGreaterThan(threshold);
    });
  }
});
