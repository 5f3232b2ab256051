/** A mask in the format a request asks for (`format`): compressed COCO RLE, PNG or polygons. */
import { cocoRleArea, cocoRleBbox, encodeCompressedCocoRle, maskPolygons } from '@objsel/clicks';
import { encodeMaskPng } from '@objsel/voc-data';
import { HttpError } from './http-json';

export const MASK_FORMATS = ['rle', 'png', 'polygons'] as const;
export type MaskFormat = (typeof MASK_FORMATS)[number];

export function maskFormat(value: unknown): MaskFormat {
  if (value === undefined || value === null) return 'rle';
  if (typeof value !== 'string' || !(MASK_FORMATS as readonly string[]).includes(value))
    throw new HttpError(400, `format must be one of ${MASK_FORMATS.join(', ')}`);
  return value as MaskFormat;
}

/** The mask's JSON fields: `rle` (COCO, counts as pycocotools' string), `png` (base64) or `polygons` (pixel corners). */
export function maskFields(mask: Uint8Array, width: number, height: number, format: MaskFormat): Record<string, unknown> {
  const rle = encodeCompressedCocoRle(mask, width, height);
  const common = { width, height, area: cocoRleArea(rle), bbox: cocoRleBbox(rle) };
  if (format === 'rle') return { ...common, rle: { size: rle.size, counts: rle.counts } };
  if (format === 'png') return { ...common, png: Buffer.from(encodeMaskPng(mask, width, height).png).toString('base64') };
  return { ...common, polygons: maskPolygons(mask, width, height) };
}
