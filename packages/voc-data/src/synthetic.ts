import jpegJs from 'jpeg-js';
import type { OnProgress } from './progress';
import type { RgbImage } from './image';
import { formatListLine } from './lists';
import { writeNpz } from './npz';
import { VOC_CLASSES } from './palette';
import { encodeIndexPng, encodePng } from './png';
import { SampleRng } from './sample-rng';
import { encodeSaliencyPng } from './saliency';
import { writeSbdLabel } from './sbd';
import { formatClassCategories, formatVocAnnotation } from './tags';

/** Options of the synthetic VOC-format dataset maker. */
export interface SyntheticOptions {
  /** Number of images. */
  count: number;
  /** Seed; the same seed gives byte-identical files. Default 1234. */
  seed?: number;
  /** Image size, default 320×240. */
  width?: number;
  height?: number;
  /** Object classes, ids 1..classes with VOC names (1..20), default 5. */
  classes?: number;
  /** Objects per image, default 1..3. */
  minObjects?: number;
  maxObjects?: number;
  /** Object size (longer side, px), default 64..160. */
  minSize?: number;
  maxSize?: number;
  /** Fraction of images in the val split, default 0.2. */
  valFraction?: number;
  /** Width of the void (255) band VOC draws along object boundaries, default 2 (0 = none). */
  voidBorder?: number;
  /** JPEG quality, default 90. */
  jpegQuality?: number;
  /** Also write SBD-style `cls/*.mat` and `inst/*.mat`, default true. */
  sbd?: boolean;
}

/** One rendered object instance. */
export interface SyntheticObject {
  instanceId: number;
  classId: number;
  /** Visible pixels. */
  area: number;
  /** `[xmin, ymin, xmax, ymax]`, 0-based inclusive, of the visible part. */
  bbox: [number, number, number, number];
  truncated: boolean;
  occluded: boolean;
}

/** One rendered image with all its annotations. */
export interface SyntheticSample {
  id: string;
  image: RgbImage;
  /** Class per pixel, 255 on the void band. */
  classLabel: Uint8Array;
  /** Instance per pixel (1..N), 255 on the void band. */
  objectLabel: Uint8Array;
  /** The same without the void band (SBD style). */
  classLabelNoVoid: Uint8Array;
  objectLabelNoVoid: Uint8Array;
  objects: SyntheticObject[];
  /** Saliency in [0, 1], row-major. */
  saliency: Float32Array;
}

type Shape = (u: number, v: number) => boolean;

/** Shapes in unit coordinates (u, v ∈ [-1, 1]); each class gets its own. */
const SHAPES: Record<string, Shape> = {
  disk: (u, v) => u * u + v * v <= 1,
  square: (u, v) => Math.max(Math.abs(u), Math.abs(v)) <= 0.85,
  triangle: (u, v) => v <= 0.75 && Math.abs(u) <= (0.95 * (v + 1)) / 1.75,
  star: (u, v) => {
    const r = Math.hypot(u, v);
    const t = Math.atan2(v, u);
    return r <= 0.4 + 0.6 * ((1 + Math.cos(5 * t)) / 2) ** 2;
  },
  ring: (u, v) => {
    const r = u * u + v * v;
    return r <= 1 && r >= 0.3;
  },
  cross: (u, v) => (Math.abs(u) <= 0.33 && Math.abs(v) <= 1) || (Math.abs(v) <= 0.33 && Math.abs(u) <= 1),
  hexagon: (u, v) => Math.abs(v) <= 0.866 && Math.abs(u) + Math.abs(v) * 0.57735 <= 1,
  diamond: (u, v) => Math.abs(u) + Math.abs(v) <= 1,
  crescent: (u, v) => u * u + v * v <= 1 && (u - 0.5) ** 2 + v * v >= 0.55,
  lshape: (u, v) => Math.max(Math.abs(u), Math.abs(v)) <= 0.9 && (u <= -0.15 || v >= 0.15),
};
const SHAPE_ORDER = ['disk', 'square', 'triangle', 'star', 'ring', 'cross', 'hexagon', 'diamond', 'crescent', 'lshape'];
const TEXTURES = ['noise', 'stripes', 'checker', 'dots'] as const;

/** How objects of class `k` (1-based) look: shape, hue (golden-angle spaced), texture. */
export function syntheticClassStyle(k: number): { shape: string; hue: number; texture: (typeof TEXTURES)[number] } {
  return {
    shape: SHAPE_ORDER[(k - 1) % SHAPE_ORDER.length]!,
    hue: ((k - 1) * 137.508) % 360,
    texture: TEXTURES[(k - 1) % TEXTURES.length]!,
  };
}

function hsv(h: number, s: number, v: number): [number, number, number] {
  const c = v * s;
  const hp = (((h % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((hp % 2) - 1));
  const [r, g, b] = hp < 1 ? [c, x, 0] : hp < 2 ? [x, c, 0] : hp < 3 ? [0, c, x] : hp < 4 ? [0, x, c] : hp < 5 ? [x, 0, c] : [c, 0, x];
  const m = v - c;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}

/** Smooth value noise in [-1, 1] on a grid of `cell` pixels, bilinearly interpolated. */
function valueNoise(width: number, height: number, cell: number, rng: SampleRng): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rng.next() * 2 - 1);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const y0 = Math.floor(gy);
    const fy = gy - y0;
    for (let x = 0; x < width; x++) {
      const gx = x / cell;
      const x0 = Math.floor(gx);
      const fx = gx - x0;
      const a = grid[y0 * gw + x0]!;
      const b = grid[y0 * gw + x0 + 1]!;
      const c = grid[(y0 + 1) * gw + x0]!;
      const d = grid[(y0 + 1) * gw + x0 + 1]!;
      const sx = fx * fx * (3 - 2 * fx);
      const sy = fy * fy * (3 - 2 * fy);
      out[y * width + x] = a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
    }
  }
  return out;
}

/** Separable box blur of radius `r`, `passes` times (≈ Gaussian). */
function boxBlur(data: Float32Array, width: number, height: number, r: number, passes: number): Float32Array {
  let src = data;
  const tmp = new Float32Array(data.length);
  for (let p = 0; p < passes; p++) {
    const dst = new Float32Array(data.length);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        let n = 0;
        for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r); k++, n++) s += src[y * width + k]!;
        tmp[y * width + x] = s / n;
      }
    }
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let s = 0;
        let n = 0;
        for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r); k++, n++) s += tmp[k * width + x]!;
        dst[y * width + x] = s / n;
      }
    }
    src = dst;
  }
  return src;
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** The id of synthetic image `index`. */
export function syntheticId(index: number): string {
  return `synth_${String(index).padStart(6, '0')}`;
}

/**
 * Renders synthetic image `index`: a textured, low-saturation background and objects whose class
 * decides shape, hue and texture (so a small network can learn them from colour, texture and
 * shape), with random size, aspect, rotation, truncation and overlaps (later objects occlude
 * earlier ones); labels with a VOC-style void band; a blurred-object saliency map.
 */
export function renderSyntheticSample(index: number, options: SyntheticOptions): SyntheticSample {
  const W = options.width ?? 320;
  const H = options.height ?? 240;
  const K = Math.max(1, Math.min(20, options.classes ?? 5));
  const minObjects = options.minObjects ?? 1;
  const maxObjects = Math.max(minObjects, options.maxObjects ?? 3);
  const minSize = options.minSize ?? 64;
  const maxSize = Math.max(minSize, options.maxSize ?? 160);
  const voidBorder = options.voidBorder ?? 2;
  const rng = new SampleRng([options.seed ?? 1234, index, 0x5717]);
  const n = W * H;

  // Background: a muted base colour, two octaves of value noise, a gradient, clutter lines and grain.
  const rgbF = new Float32Array(n * 3);
  const [br, bg, bb] = hsv(rng.uniform(0, 360), rng.uniform(0, 0.22), rng.uniform(0.3, 0.8));
  const n1 = valueNoise(W, H, 48, rng);
  const n2 = valueNoise(W, H, 12, rng);
  const gradAngle = rng.uniform(0, Math.PI * 2);
  const gx = Math.cos(gradAngle) / W;
  const gy = Math.sin(gradAngle) / H;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const shade = 28 * n1[i]! + 10 * n2[i]! + 40 * ((x - W / 2) * gx + (y - H / 2) * gy);
      rgbF[i * 3] = br + shade;
      rgbF[i * 3 + 1] = bg + shade;
      rgbF[i * 3 + 2] = bb + shade;
    }
  }
  const lines = rng.int(4);
  for (let l = 0; l < lines; l++) {
    const g = rng.uniform(40, 220);
    const x0 = rng.uniform(0, W);
    const y0 = rng.uniform(0, H);
    const a = rng.uniform(0, Math.PI);
    const thick = rng.uniform(1, 3);
    const ca = Math.cos(a);
    const sa = Math.sin(a);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (Math.abs((x - x0) * sa - (y - y0) * ca) <= thick) {
          const i = y * W + x;
          rgbF[i * 3] = rgbF[i * 3 + 1] = rgbF[i * 3 + 2] = g;
        }
      }
    }
  }

  // Objects, painted back to front.
  const owner = new Uint8Array(n); // instance per pixel, painter's order
  const classOf: number[] = [0];
  const drawn: Array<{ classId: number; truncated: boolean }> = [];
  const count = minObjects + rng.int(maxObjects - minObjects + 1);
  for (let o = 0; o < count; o++) {
    const classId = 1 + rng.int(K);
    const style = syntheticClassStyle(classId);
    const shape = SHAPES[style.shape]!;
    const size = rng.uniform(minSize, maxSize);
    const aspect = rng.uniform(0.8, 1.25);
    const sx = size * Math.sqrt(aspect);
    const sy = size / Math.sqrt(aspect);
    const rot = rng.uniform(0, Math.PI * 2);
    const cx = rng.uniform(0.1 * W, 0.9 * W);
    const cy = rng.uniform(0.1 * H, 0.9 * H);
    const [cr, cg, cb] = hsv(style.hue + rng.uniform(-8, 8), rng.uniform(0.65, 0.9), rng.uniform(0.7, 0.95));
    const period = rng.uniform(9, 15);
    const phase = rng.uniform(0, 100);
    const id = o + 1;
    const cos = Math.cos(rot);
    const sin = Math.sin(rot);
    const reach = Math.ceil(Math.max(sx, sy) * 0.75);
    let truncated = false;
    for (let y = Math.floor(cy - reach); y <= Math.ceil(cy + reach); y++) {
      for (let x = Math.floor(cx - reach); x <= Math.ceil(cx + reach); x++) {
        const dx = x - cx;
        const dy = y - cy;
        const pu = dx * cos + dy * sin; // rotated pixel coordinates
        const pv = -dx * sin + dy * cos;
        const u = pu / (sx / 2);
        const v = pv / (sy / 2);
        if (!shape(u, v)) continue;
        if (x < 0 || y < 0 || x >= W || y >= H) {
          truncated = true;
          continue;
        }
        let f = 1 - 0.12 * (u + v) * 0.5;
        switch (style.texture) {
          case 'stripes':
            f *= 1 + 0.22 * Math.sin((2 * Math.PI * (pu + phase)) / period);
            break;
          case 'checker':
            f *= (Math.floor((pu + phase) / period) + Math.floor((pv + phase) / period)) & 1 ? 1.15 : 0.8;
            break;
          case 'dots': {
            const qx = ((((pu + phase) % period) + period) % period) - period / 2;
            const qy = ((((pv + phase) % period) + period) % period) - period / 2;
            f *= qx * qx + qy * qy < (period * 0.28) ** 2 ? 0.5 : 1.05;
            break;
          }
          case 'noise':
            f *= 1 + 0.18 * (rng.next() * 2 - 1);
            break;
        }
        const i = y * W + x;
        rgbF[i * 3] = cr * f;
        rgbF[i * 3 + 1] = cg * f;
        rgbF[i * 3 + 2] = cb * f;
        owner[i] = id;
      }
    }
    classOf.push(classId);
    drawn.push({ classId, truncated });
  }

  // Visible instances, renumbered 1..N in painting order; fully hidden ones disappear.
  const areas = new Uint32Array(count + 1);
  for (let i = 0; i < n; i++) areas[owner[i]!]!++;
  const renumber = new Uint8Array(count + 1);
  const objects: SyntheticObject[] = [];
  for (let o = 1; o <= count; o++) {
    if (areas[o] === 0) continue;
    renumber[o] = objects.length + 1;
    objects.push({
      instanceId: objects.length + 1,
      classId: classOf[o]!,
      area: areas[o]!,
      bbox: [W, H, -1, -1],
      truncated: drawn[o - 1]!.truncated,
      occluded: false,
    });
  }
  const objectLabelNoVoid = new Uint8Array(n);
  const classLabelNoVoid = new Uint8Array(n);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      const id = renumber[owner[i]!]!;
      if (!id) continue;
      objectLabelNoVoid[i] = id;
      const obj = objects[id - 1]!;
      classLabelNoVoid[i] = obj.classId;
      const b = obj.bbox;
      if (x < b[0]) b[0] = x;
      if (y < b[1]) b[1] = y;
      if (x > b[2]) b[2] = x;
      if (y > b[3]) b[3] = y;
    }
  }
  // An object is occluded when a later one covers part of where it was drawn.
  for (let o = 1; o <= count; o++) {
    const id = renumber[o];
    if (!id) continue;
    // Compare drawn area (without occlusion) cheaply: any later object overlapping its bbox and owning pixels there.
    const obj = objects[id - 1]!;
    const [x0, y0, x1, y1] = obj.bbox;
    outer: for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const other = owner[y * W + x]!;
        if (other > o) {
          obj.occluded = true;
          break outer;
        }
      }
    }
  }

  // VOC's void band: pixels within `voidBorder - 1` of a boundary between different instances.
  const objectLabel = new Uint8Array(objectLabelNoVoid);
  const classLabel = new Uint8Array(classLabelNoVoid);
  if (voidBorder > 0) {
    const edge = new Uint8Array(n);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        const a = objectLabelNoVoid[i]!;
        if (x + 1 < W && objectLabelNoVoid[i + 1] !== a) edge[i] = edge[i + 1] = 1;
        if (y + 1 < H && objectLabelNoVoid[i + W] !== a) edge[i] = edge[i + W] = 1;
      }
    }
    const r = voidBorder - 1;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        if (!edge[y * W + x]) continue;
        for (let yy = Math.max(0, y - r); yy <= Math.min(H - 1, y + r); yy++) {
          for (let xx = Math.max(0, x - r); xx <= Math.min(W - 1, x + r); xx++) {
            objectLabel[yy * W + xx] = 255;
            classLabel[yy * W + xx] = 255;
          }
        }
      }
    }
  }

  // Saliency: a blurred object mask with a little background response.
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = objectLabelNoVoid[i] ? 0.92 : 0.04 + 0.04 * (n1[i]! + 1);
  const saliency = boxBlur(mask, W, H, 3, 2);

  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n * 3; i++) data[i] = clamp8(rgbF[i]! + (rng.next() - 0.5) * 8);
  return {
    id: syntheticId(index),
    image: { width: W, height: H, data },
    classLabel,
    objectLabel,
    classLabelNoVoid,
    objectLabelNoVoid,
    objects,
    saliency,
  };
}

/** What {@link makeSyntheticDataset} wrote. */
export interface SyntheticSummary {
  count: number;
  train: number;
  val: number;
  /** Classes including background. */
  numClasses: number;
  classes: string[];
  /** Pixels per class over all labels (void excluded), 0..numClasses-1. */
  histogram: number[];
  /** Files written. */
  files: number;
  /** The list files written (relative paths). */
  lists: string[];
}

/** Encodes RGB as a baseline JPEG with jpeg-js (pure JS). */
export function encodeJpeg(image: RgbImage, quality = 90): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let i = 0, j = 0; i < image.data.length; i += 3, j += 4) {
    rgba[j] = image.data[i]!;
    rgba[j + 1] = image.data[i + 1]!;
    rgba[j + 2] = image.data[i + 2]!;
    rgba[j + 3] = 255;
  }
  // jpeg-js returns Buffer.from(bytes) when bundled as CommonJS; browsers have no Buffer, so lend
  // it the one method it calls for the duration of the call.
  const g = globalThis as { Buffer?: unknown };
  const lent = g.Buffer === undefined;
  if (lent) g.Buffer = { from: (a: ArrayLike<number>) => Uint8Array.from(a) };
  try {
    const out = jpegJs.encode({ data: rgba, width: image.width, height: image.height }, quality).data;
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } finally {
    if (lent) delete g.Buffer;
  }
}

/**
 * Writes a complete VOC-format dataset through `write(relativePath, bytes)`: `JPEGImages`,
 * `SegmentationClass` (palette PNGs), `SegmentationClassAug` (grey index PNGs),
 * `SegmentationObject`, `Annotations` XML, `ImageSets/Segmentation/{train,val,trainval}.txt`,
 * DCSP `ClassCategories` and `Saliency` (PNG and `.npz` `actv`), SBD `cls`/`inst` `.mat`, the
 * seeds' list files (`train.txt`, `val.txt`, `test.txt`, `train_labels_only.txt`,
 * `val_labels_only.txt`, `train_attn_sal_labels.txt`) and `dataset.json`.
 */
export async function makeSyntheticDataset(
  options: SyntheticOptions,
  write: (path: string, bytes: Uint8Array) => void | Promise<void>,
  onProgress?: OnProgress,
): Promise<SyntheticSummary> {
  const count = Math.max(1, Math.floor(options.count));
  const K = Math.max(1, Math.min(20, options.classes ?? 5));
  const numClasses = K + 1;
  const nVal = count < 2 ? 0 : Math.max(1, Math.round(count * (options.valFraction ?? 0.2)));
  const nTrain = count - nVal;
  const histogram = new Array<number>(numClasses).fill(0);
  const ids: string[] = [];
  const text = (s: string) => new TextEncoder().encode(s);
  let files = 0;
  const put = async (path: string, bytes: Uint8Array) => {
    await write(path, bytes);
    files++;
  };
  for (let i = 0; i < count; i++) {
    const s = renderSyntheticSample(i, options);
    const { width, height } = s.image;
    ids.push(s.id);
    for (const v of s.classLabel) if (v < numClasses) histogram[v]!++;
    await put(`JPEGImages/${s.id}.jpg`, encodeJpeg(s.image, options.jpegQuality ?? 90));
    await put(`SegmentationClass/${s.id}.png`, encodeIndexPng(s.classLabel, width, height));
    await put(`SegmentationClassAug/${s.id}.png`, encodePng({ width, height, channels: 1, data: s.classLabel }));
    await put(`SegmentationObject/${s.id}.png`, encodeIndexPng(s.objectLabel, width, height));
    await put(
      `Annotations/${s.id}.xml`,
      text(
        formatVocAnnotation({
          filename: `${s.id}.jpg`,
          width,
          height,
          objects: s.objects.map((o) => ({
            name: VOC_CLASSES[o.classId]!,
            truncated: o.truncated,
            occluded: o.occluded,
            difficult: false,
            bbox: [o.bbox[0] + 1, o.bbox[1] + 1, o.bbox[2] + 1, o.bbox[3] + 1],
          })),
        }),
      ),
    );
    const tags = [...new Set(s.objects.map((o) => o.classId))].sort((a, b) => a - b);
    await put(`ClassCategories/${s.id}.txt`, text(formatClassCategories(tags)));
    await put(`Saliency/${s.id}.png`, encodeSaliencyPng({ width, height, data: s.saliency }));
    await put(`Saliency/${s.id}.npz`, writeNpz({ actv: { shape: [height, width], data: s.saliency } }, { compress: true }));
    if (options.sbd ?? true) {
      await put(`cls/${s.id}.mat`, writeSbdLabel({ kind: 'cls', width, height, data: s.classLabelNoVoid }));
      await put(
        `inst/${s.id}.mat`,
        writeSbdLabel({ kind: 'inst', width, height, data: s.objectLabelNoVoid, categories: s.objects.map((o) => o.classId) }),
      );
    }
    onProgress?.({ task: 'make-synthetic', done: i + 1, total: count });
  }
  const train = ids.slice(0, nTrain);
  const val = ids.slice(nTrain);
  const lines = (list: string[], f: (id: string) => string[]) => list.map((id) => `${formatListLine(f(id))}\n`).join('');
  const lists: Record<string, string> = {
    'train.txt': lines(train, (id) => [`JPEGImages/${id}.jpg`, `SegmentationClassAug/${id}.png`]),
    'val.txt': lines(val, (id) => [`JPEGImages/${id}.jpg`, `SegmentationClassAug/${id}.png`]),
    'test.txt': lines(val, (id) => [`JPEGImages/${id}.jpg`]),
    'train_labels_only.txt': lines(train, (id) => [`JPEGImages/${id}.jpg`, `ClassCategories/${id}.txt`]),
    'val_labels_only.txt': lines(val, (id) => [`JPEGImages/${id}.jpg`, `ClassCategories/${id}.txt`]),
    'train_attn_sal_labels.txt': lines(train, (id) => [
      `JPEGImages/${id}.jpg`,
      `Attentions/${id}.npz`,
      `Saliency/${id}.npz`,
      `ClassCategories/${id}.txt`,
    ]),
    'ImageSets/Segmentation/train.txt': train.map((id) => `${id}\n`).join(''),
    'ImageSets/Segmentation/val.txt': val.map((id) => `${id}\n`).join(''),
    'ImageSets/Segmentation/trainval.txt': ids.map((id) => `${id}\n`).join(''),
  };
  for (const [path, content] of Object.entries(lists)) await put(path, text(content));
  const classes = VOC_CLASSES.slice(0, numClasses) as string[];
  const meta = {
    generator: '@objsel/voc-data makeSyntheticDataset',
    options: {
      seed: options.seed ?? 1234,
      width: options.width ?? 320,
      height: options.height ?? 240,
      classes: K,
      minObjects: options.minObjects ?? 1,
      maxObjects: options.maxObjects ?? 3,
      minSize: options.minSize ?? 64,
      maxSize: options.maxSize ?? 160,
      voidBorder: options.voidBorder ?? 2,
    },
    numClasses,
    classes,
    styles: classes.slice(1).map((_, k) => ({ class: classes[k + 1], ...syntheticClassStyle(k + 1) })),
    count,
    train: nTrain,
    val: nVal,
    histogram,
  };
  await put('dataset.json', text(`${JSON.stringify(meta, null, 2)}\n`));
  return { count, train: nTrain, val: nVal, numClasses, classes, histogram, files, lists: Object.keys(lists) };
}
