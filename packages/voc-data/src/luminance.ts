import { VOC_PALETTE } from './palette';

/**
 * Grey levels a palettised VOC label turns into when it is wrongly decoded as luminance (TF's
 * `decode_png(channels=1)`, PIL `convert('L')`, OpenCV grey): ITU-R 601 luma of the VOC colours
 * of classes 1..20 and void, truncated and rounded (aeroplane 38, bottle 52/53, bicycle 75, void 220…),
 * plus Rec. 709 luma for decoders that use it.
 */
export function luminanceValues(): Set<number> {
  const out = new Set<number>();
  const indices = [...Array.from({ length: 20 }, (_, i) => i + 1), 255];
  for (const i of indices) {
    const r = VOC_PALETTE[i * 3]!;
    const g = VOC_PALETTE[i * 3 + 1]!;
    const b = VOC_PALETTE[i * 3 + 2]!;
    const y601 = 0.299 * r + 0.587 * g + 0.114 * b;
    const y709 = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    for (const y of [y601, y709]) {
      out.add(Math.floor(y));
      out.add(Math.round(y));
    }
  }
  out.delete(0);
  return out;
}

const LUMINANCE = luminanceValues();

/**
 * True when the values of a grey label that fall outside {0..numClasses-1, 255} all are luminance
 * levels of VOC colours: the label is a palette PNG that was decoded (or re-saved) as greyscale.
 */
export function looksLikeLuminance(badValues: Iterable<number>): boolean {
  let any = false;
  for (const v of badValues) {
    if (!LUMINANCE.has(v)) return false;
    any = true;
  }
  return any;
}
