/** A pixel position: `x` is the column (rightwards), `y` the row (downwards), both integers. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** A user click: a pixel and whether it marks the object (`positive`) or not. */
export interface Click extends Point {
  readonly positive: boolean;
}

/** An RGB image: `data` holds `width * height * 3` bytes, row-major, interleaved (HWC). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Any integer label image a sampler or robot reads (one value per pixel, row-major). */
export type LabelArray = Uint8Array | Uint8ClampedArray | Uint16Array | Int32Array | Uint32Array;
