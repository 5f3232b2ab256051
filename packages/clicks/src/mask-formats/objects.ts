/**
 * Several objects of one image, each its own mask with an id (1-255): one index map (the id per
 * pixel, 0 for none, what a palette PNG stores; where objects overlap the later one is on top)
 * and a COCO annotations file (one annotation per object, its mask as compressed RLE, with area
 * and bbox as pycocotools computes them; overlaps are kept, as COCO allows).
 */
import { ClicksError } from '../errors';
import { checkLength } from '../validate';
import { cocoRleArea, cocoRleBbox, encodeCompressedCocoRle, type CompressedCocoRle } from './coco-rle';

/** One object: its id (1-255, the palette index) and row-major mask (non-zero = selected). */
export interface MaskObject {
  id: number;
  mask: ArrayLike<number>;
  /** Category name (COCO `categories[].name`; default "object"). */
  label?: string;
}

function checkObjects(objects: readonly MaskObject[], width: number, height: number): void {
  const seen = new Set<number>();
  objects.forEach((o, k) => {
    if (!Number.isInteger(o.id) || o.id < 1 || o.id > 255)
      throw new ClicksError('bad-parameter', `object ids are integers from 1 to 255, got ${o.id}`, { where: `objects[${k}].id` });
    if (seen.has(o.id)) throw new ClicksError('bad-parameter', `object id ${o.id} is given twice`, { where: `objects[${k}].id` });
    seen.add(o.id);
    checkLength(o.mask, width, height, 1, `objects[${k}].mask`);
  });
}

/** The id of the object at each pixel (0: none; the later object where they overlap), row-major. */
export function objectIndexMap(objects: readonly MaskObject[], width: number, height: number): Uint8Array {
  checkObjects(objects, width, height);
  const map = new Uint8Array(width * height);
  for (const o of objects) for (let i = 0; i < map.length; i++) if (o.mask[i]) map[i] = o.id;
  return map;
}

/** A COCO annotations file for one image. */
export interface CocoAnnotationsFile {
  images: { id: number; width: number; height: number; file_name: string }[];
  annotations: {
    id: number;
    image_id: number;
    category_id: number;
    segmentation: CompressedCocoRle;
    area: number;
    bbox: [number, number, number, number];
    iscrowd: 0;
  }[];
  categories: { id: number; name: string }[];
}

/** Options of {@link cocoAnnotations}. */
export interface CocoAnnotationsOptions {
  /** `images[0].file_name` (default ""). */
  fileName?: string;
  /** `images[0].id` (default 1). */
  imageId?: number;
}

/** The COCO annotations of `objects` (annotation id = object id; one category per distinct label, in order of first use). */
export function cocoAnnotations(
  objects: readonly MaskObject[],
  width: number,
  height: number,
  options: CocoAnnotationsOptions = {},
): CocoAnnotationsFile {
  checkObjects(objects, width, height);
  const imageId = options.imageId ?? 1;
  const categories: { id: number; name: string }[] = [];
  const categoryOf = (label: string) => {
    let category = categories.find((c) => c.name === label);
    if (!category) categories.push((category = { id: categories.length + 1, name: label }));
    return category.id;
  };
  const annotations = objects.map((o) => {
    const segmentation = encodeCompressedCocoRle(o.mask, width, height);
    return {
      id: o.id,
      image_id: imageId,
      category_id: categoryOf(o.label ?? 'object'),
      segmentation,
      area: cocoRleArea(segmentation),
      bbox: cocoRleBbox(segmentation),
      iscrowd: 0 as const,
    };
  });
  return { images: [{ id: imageId, width, height, file_name: options.fileName ?? '' }], annotations, categories };
}
