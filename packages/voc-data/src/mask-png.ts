import { encodePng } from './png';

/**
 * A binary mask (non-zero = selected) as an 8-bit gray PNG with 255 for selected pixels and 0
 * elsewhere, the form `objsel select` and `graphcut` write; also returns the selected area.
 */
export function encodeMaskPng(mask: ArrayLike<number>, width: number, height: number): { png: Uint8Array; area: number } {
  if (mask.length !== width * height) throw new RangeError(`encodeMaskPng: ${mask.length} pixels for ${width}x${height}`);
  const gray = new Uint8Array(mask.length);
  let area = 0;
  for (let i = 0; i < mask.length; i++)
    if (mask[i]) {
      gray[i] = 255;
      area++;
    }
  return { png: encodePng({ width, height, channels: 1, data: gray }), area };
}
