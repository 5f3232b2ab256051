/**
 * The objects of the page's image: each finished selection (its id, clicks and mask) kept on the
 * page, drawn in its palette colour, listed, and downloaded together as a palette PNG (pixel =
 * object id, VOC colours) or a COCO annotations file; the selection being edited is the next id.
 */
import { cocoAnnotations, maskPolygons, objectIndexMap, type Click, type MaskObject } from '@objsel/clicks';
import { VOC_PALETTE, encodeIndexPng } from '@objsel/voc-data';

/** A finished object. */
export interface PageObject {
  id: number;
  clicks: Click[];
  mask: Uint8Array;
  /** Selected pixels. */
  area: number;
}

/** The palette colour of object `id` (VOC's colour for that index). */
export function objectColour(id: number): [number, number, number] {
  return [VOC_PALETTE[id * 3]!, VOC_PALETTE[id * 3 + 1]!, VOC_PALETTE[id * 3 + 2]!];
}

/** Ids are palette indices 1-255 (0 is the background). */
export const MAX_OBJECTS = 255;

/** The finished objects of one image and the id the selection in progress will get. */
export class ObjectList {
  objects: PageObject[] = [];
  /** The id of the selection being edited. */
  currentId = 1;

  /** Keeps `mask` as object {@link currentId} and moves on to the next free id. */
  finish(mask: Uint8Array, clicks: readonly Click[]): PageObject {
    if (this.objects.length + 1 >= MAX_OBJECTS) throw new Error(`at most ${MAX_OBJECTS - 1} objects per image`);
    const object = {
      id: this.currentId,
      clicks: [...clicks],
      mask: Uint8Array.from(mask),
      area: mask.reduce((n, v) => n + (v ? 1 : 0), 0),
    };
    this.objects.push(object);
    while (this.objects.some((o) => o.id === this.currentId)) this.currentId++;
    return object;
  }

  remove(id: number): void {
    this.objects = this.objects.filter((o) => o.id !== id);
  }

  clear(): void {
    this.objects = [];
    this.currentId = 1;
  }

  /** The finished objects plus the selection in progress (when it selects anything), in id order of creation. */
  withCurrent(mask: Uint8Array | undefined): MaskObject[] {
    const all: MaskObject[] = this.objects.map((o) => ({ id: o.id, mask: o.mask }));
    if (mask?.some((v) => v)) all.push({ id: this.currentId, mask });
    return all;
  }

  /** The palette PNG of {@link withCurrent}. */
  palettePng(mask: Uint8Array | undefined, width: number, height: number): Uint8Array {
    return encodeIndexPng(objectIndexMap(this.withCurrent(mask), width, height), width, height);
  }

  /** The COCO annotations of {@link withCurrent}. */
  coco(mask: Uint8Array | undefined, width: number, height: number, fileName: string): string {
    return `${JSON.stringify(cocoAnnotations(this.withCurrent(mask), width, height, { fileName }), null, 1)}\n`;
  }

  /** Each object's outer outlines (`[x0, y0, x1, y1, …]` in pixel corners), by id. */
  polygons(mask: Uint8Array | undefined, width: number, height: number): string {
    const out = this.withCurrent(mask).map((o) => ({ id: o.id, polygons: maskPolygons(o.mask, width, height, { tolerance: 0.5 }) }));
    return `${JSON.stringify({ width, height, objects: out })}\n`;
  }
}

/** Draws the finished objects in their palette colours (opaque; the canvas's CSS opacity blends them). */
export function drawObjects(canvas: HTMLCanvasElement, objects: readonly PageObject[], width: number, height: number): void {
  canvas.width = width;
  canvas.height = height;
  const rgba = new ImageData(width, height);
  for (const o of objects) {
    const [r, g, b] = objectColour(o.id);
    for (let i = 0; i < o.mask.length; i++) {
      if (!o.mask[i]) continue;
      rgba.data[4 * i] = r;
      rgba.data[4 * i + 1] = g;
      rgba.data[4 * i + 2] = b;
      rgba.data[4 * i + 3] = 255;
    }
  }
  canvas.getContext('2d')!.putImageData(rgba, 0, 0);
}
