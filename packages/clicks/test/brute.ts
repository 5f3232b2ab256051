// Independent brute-force references for the tests (quadratic, obviously correct).

/** Squared distance from every pixel to the nearest pixel where `isTarget(i)`; border adds the frame. */
export function bruteSquaredDistance(width: number, height: number, isTarget: (i: number) => boolean, border = false): Float64Array {
  const out = new Float64Array(width * height).fill(Infinity);
  const targets: Array<[number, number]> = [];
  for (let i = 0; i < width * height; i++) if (isTarget(i)) targets.push([i % width, Math.floor(i / width)]);
  if (border) {
    for (let x = -1; x <= width; x++) targets.push([x, -1], [x, height]);
    for (let y = 0; y < height; y++) targets.push([-1, y], [width, y]);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let best = Infinity;
      for (const [tx, ty] of targets) best = Math.min(best, (tx - x) ** 2 + (ty - y) ** 2);
      out[y * width + x] = best;
    }
  }
  return out;
}

/** A deterministic pseudo-random generator for test data (independent of the package's). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
