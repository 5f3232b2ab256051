/**
 * Mask outlines as polygons (COCO `segmentation` lists, CVAT `points`): the outer boundary of
 * each 4-connected component, traced along pixel edges so the vertices are pixel corners and
 * the polygon covers exactly the component's pixels (with its holes filled), then reduced to
 * its corners and optionally simplified by Douglas–Peucker.
 */
import { ClicksError } from '../errors';

/** Options of {@link maskPolygons}. */
export interface MaskPolygonOptions {
  /** Douglas–Peucker tolerance in pixels (default 0: only collinear vertices are dropped). */
  tolerance?: number;
  /** Components smaller than this many pixels give no polygon (default 1). */
  minArea?: number;
}

/** 4-connected component labels (0 = not selected, 1..n) and each component's pixel count. */
function components(mask: ArrayLike<number>, width: number, height: number): { labels: Int32Array; areas: number[] } {
  const labels = new Int32Array(width * height);
  const areas = [0];
  const stack: number[] = [];
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = areas.length;
    let area = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop()!;
      area++;
      const x = p % width;
      const neighbours = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width];
      for (const q of neighbours) {
        if (q >= 0 && q < labels.length && mask[q] && !labels[q]) {
          labels[q] = id;
          stack.push(q);
        }
      }
    }
    areas.push(area);
  }
  return { labels, areas };
}

// Directions clockwise on screen (y down): east, south, west, north.
const DX = [1, 0, -1, 0];
const DY = [0, 1, 0, -1];

/**
 * The corners of a component's outer boundary, walked with the component on the right. At each
 * corner the two pixels ahead decide: turn right if the front-right one is outside, go straight
 * if only the front-left one is outside, else turn left (diagonal neighbours stay apart).
 */
function traceOuter(labels: Int32Array, width: number, height: number, id: number, start: number): number[] {
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && labels[y * width + x] === id;
  // Pixel offsets, relative to the corner, of the front-left and front-right pixels for each direction.
  const frontLeft = [
    [0, -1],
    [0, 0],
    [-1, 0],
    [-1, -1],
  ];
  const frontRight = [
    [0, 0],
    [-1, 0],
    [-1, -1],
    [0, -1],
  ];
  const x0 = start % width;
  const y0 = (start - x0) / width;
  const points: number[] = [];
  let x = x0;
  let y = y0;
  let d = 0; // the topmost-leftmost pixel's top edge, walked east
  do {
    points.push(x, y);
    x += DX[d]!;
    y += DY[d]!;
    const [rx, ry] = frontRight[d]!;
    const [lx, ly] = frontLeft[d]!;
    if (!inside(x + rx!, y + ry!)) d = (d + 1) % 4;
    else if (inside(x + lx!, y + ly!)) d = (d + 3) % 4;
  } while (x !== x0 || y !== y0 || d !== 0);
  return points;
}

/** Drops vertices on a straight line between their neighbours (a closed ring). */
function cornersOnly(ring: number[]): number[] {
  const n = ring.length / 2;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const [px, py] = [ring[((i + n - 1) % n) * 2]!, ring[((i + n - 1) % n) * 2 + 1]!];
    const [x, y] = [ring[i * 2]!, ring[i * 2 + 1]!];
    const [nx, ny] = [ring[((i + 1) % n) * 2]!, ring[((i + 1) % n) * 2 + 1]!];
    if ((x - px) * (ny - y) - (y - py) * (nx - x) !== 0) out.push(x, y);
  }
  return out;
}

/** Douglas–Peucker on an open chain of points; keeps the ends. */
function simplifyChain(points: number[], from: number, to: number, tolerance: number, keep: Uint8Array): void {
  const [ax, ay, bx, by] = [points[from * 2]!, points[from * 2 + 1]!, points[to * 2]!, points[to * 2 + 1]!];
  const length = Math.hypot(bx - ax, by - ay);
  let worst = -1;
  let worstDistance = tolerance;
  for (let i = from + 1; i < to; i++) {
    const [x, y] = [points[i * 2]!, points[i * 2 + 1]!];
    const distance = length === 0 ? Math.hypot(x - ax, y - ay) : Math.abs((bx - ax) * (ay - y) - (ax - x) * (by - ay)) / length;
    if (distance > worstDistance) {
      worst = i;
      worstDistance = distance;
    }
  }
  if (worst < 0) return;
  keep[worst] = 1;
  simplifyChain(points, from, worst, tolerance, keep);
  simplifyChain(points, worst, to, tolerance, keep);
}

/** Douglas–Peucker on a closed ring: split at the first vertex and the vertex farthest from it. */
function simplifyRing(ring: number[], tolerance: number): number[] {
  const n = ring.length / 2;
  if (tolerance <= 0 || n <= 4) return ring;
  let far = 0;
  let farDistance = -1;
  for (let i = 1; i < n; i++) {
    const distance = Math.hypot(ring[i * 2]! - ring[0]!, ring[i * 2 + 1]! - ring[1]!);
    if (distance > farDistance) [far, farDistance] = [i, distance];
  }
  const closed = [...ring, ring[0]!, ring[1]!];
  const keep = new Uint8Array(n + 1);
  keep[0] = keep[far] = keep[n] = 1;
  simplifyChain(closed, 0, far, tolerance, keep);
  simplifyChain(closed, far, n, tolerance, keep);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(ring[i * 2]!, ring[i * 2 + 1]!);
  return out.length >= 6 ? out : ring;
}

/**
 * The outer boundary of each 4-connected component of a row-major mask as `[x0, y0, x1, y1, …]`
 * in pixel-corner coordinates (pixel (x, y) spans x..x+1, y..y+1), largest component first.
 */
export function maskPolygons(mask: ArrayLike<number>, width: number, height: number, options: MaskPolygonOptions = {}): number[][] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0 || mask.length !== width * height)
    throw new ClicksError('bad-shape', `a ${width}x${height} mask needs ${width * height} values, got ${mask.length}`);
  const tolerance = options.tolerance ?? 0;
  if (!(tolerance >= 0)) throw new ClicksError('bad-parameter', `the polygon tolerance must be >= 0, got ${tolerance}`);
  const minArea = options.minArea ?? 1;
  const { labels, areas } = components(mask, width, height);
  const found: Array<{ area: number; ring: number[] }> = [];
  const seen = new Uint8Array(areas.length);
  for (let p = 0; p < labels.length; p++) {
    const id = labels[p]!;
    if (id === 0 || seen[id]) continue;
    seen[id] = 1; // the first pixel in raster order lies on the outer boundary
    if (areas[id]! < minArea) continue;
    found.push({ area: areas[id]!, ring: simplifyRing(cornersOnly(traceOuter(labels, width, height, id, p)), tolerance) });
  }
  return found.sort((a, b) => b.area - a.area).map((f) => f.ring);
}
