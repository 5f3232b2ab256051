/**
 * The generator of training samples: epoch order and augmentation (crop, scale, mirror), and
 * the synthetic dataset. A small, fast, seedable PRNG (sfc32, 128-bit state, seeded through
 * splitmix32), so every sample can be replayed from one integer seed on any platform.
 */
export class SampleRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` may be any number (its low 32 bits are used) or a list of numbers, mixed in order. */
  constructor(seed: number | readonly number[]) {
    const parts = typeof seed === 'number' ? [seed] : seed;
    let h = 0x9e3779b9;
    for (const p of parts) h = splitmix32(h ^ (p >>> 0)) ^ splitmix32((Math.floor(p / 2 ** 32) >>> 0) + 0x632be5ab);
    this.a = splitmix32(h);
    this.b = splitmix32(this.a ^ 0x85ebca6b);
    this.c = splitmix32(this.b ^ 0xc2b2ae35);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** The generator's whole state (four 32-bit words), e.g. for a checkpoint; {@link setState} continues from it. */
  state(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** Continues from a {@link state}: the following draws are those that followed it. */
  setState(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((v) => Number.isSafeInteger(v)))
      throw new RangeError(`a SampleRng state is four integers, got ${JSON.stringify(state)}`);
    this.a = state[0]! | 0;
    this.b = state[1]! | 0;
    this.c = state[2]! | 0;
    this.d = state[3]! | 0;
  }

  /** Uniform integer in [0, n) (n ≥ 1), without modulo bias. */
  int(n: number): number {
    if (n <= 1) return 0;
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextUint32();
    while (x >= limit);
    return x % n;
  }
}

/** One round of splitmix32: a strong 32-bit mixer used for seeding. */
export function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A Fisher–Yates permutation of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: SampleRng): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}
