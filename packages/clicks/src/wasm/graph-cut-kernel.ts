import { F64, FunctionBody, I32 } from './emitter';

/*
 * The per-pixel loops of ../graphcut.ts around the max-flow (contrast scale, pair weights,
 * terminal capacities, the energy of the result) as WebAssembly functions, each the same
 * arithmetic in the same order as its JavaScript original, with `exp` and `log` imported from
 * JavaScript's Math: the results are identical. Images are RGB bytes, probabilities and
 * capacities f64 (probabilities f32 or f64); every neighbour direction (dx, dy) is one call, with the pixel range
 * x0 <= x < x1, 0 <= y < height - dy computed by the caller.
 */

/** Indices of the imported functions. */
export const EXP = 0;
export const LOG = 1;

/** Emits |I_a - I_b|^2 (i32) of the RGB bytes at addresses in locals `a` and `b`. */
function colourDistance2(f: FunctionBody, a: number, b: number, diff: number): void {
  for (let channel = 0; channel < 3; channel++) {
    f.get(a).i32(channel).add().u8Load();
    f.get(b).i32(channel).add().u8Load();
    f.sub().tee(diff).get(diff).mul();
    if (channel > 0) f.add();
  }
}

/**
 * `for (y = 0; y + dy < height; y++) { row(); for (x = x0; x < x1; x++) pixel() }`, with `row`
 * setting the pointers the pixel loop advances (`step` bumps them after each pixel).
 */
function rows(
  f: FunctionBody,
  locals: { y: number; x: number; height: number; dy: number; x0: number; x1: number },
  row: () => void,
  pixel: () => void,
  step: () => void,
): void {
  const { y, x, height, dy, x0, x1 } = locals;
  f.i32(0).set(y);
  f.block((done) => {
    f.loop((nextRow) => {
      f.get(y).get(dy).add().get(height).geS().brIf(done);
      row();
      f.get(x0).set(x);
      f.block((rowDone) => {
        f.loop((nextPixel) => {
          f.get(x).get(x1).geS().brIf(rowDone);
          pixel();
          step();
          f.get(x).i32(1).add().set(x);
          f.br(nextPixel);
        });
      });
      f.get(y).i32(1).add().set(y);
      f.br(nextRow);
    });
  });
}

/** contrastSum(width, height, image, dx, dy, x0, x1) -> sum of |I_i - I_j|^2 over the pairs (i, i + (dx, dy)). */
export function contrastSumFunction(): FunctionBody {
  const f = new FunctionBody('contrastSum', [I32, I32, I32, I32, I32, I32, I32], [F64]);
  const [width, height, image, dx, dy, x0, x1] = [0, 1, 2, 3, 4, 5, 6];
  const [y, x, a, b, diff] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const sum = f.local(F64);
  f.f64(0).set(sum);
  rows(
    f,
    { y, x, height, dy, x0, x1 },
    () => {
      // a = image + 3 * (y * width + x0), b = a + 3 * (dy * width + dx)
      f.get(y).get(width).mul().get(x0).add().i32(3).mul().get(image).add().tee(a);
      f.get(dy).get(width).mul().get(dx).add().i32(3).mul().add().set(b);
    },
    () => {
      f.get(sum);
      colourDistance2(f, a, b, diff);
      f.f64ConvertI32S().f64Add().set(sum);
    },
    () => {
      f.get(a).i32(3).add().set(a);
      f.get(b).i32(3).add().set(b);
    },
  );
  f.get(sum);
  return f;
}

/**
 * pairWeights(width, height, image, dx, dy, x0, x1, d, shift, capacity, cache, scale, beta):
 * both arcs of each pair (p, p + (dx, dy)) of the padded grid get scale * exp(-beta |dI|^2), the
 * exponential looked up in (or added to) `cache`, indexed by the integer |dI|^2 (0 = not yet).
 */
export function pairWeightsFunction(): FunctionBody {
  const f = new FunctionBody('pairWeights', [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, F64, F64]);
  const [width, height, image, dx, dy, x0, x1, d, shift, capacity, cache, scale, beta] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const [y, x, a, b, diff, p, d2, slot, paddedOffset, back] = Array.from({ length: 10 }, () => f.local(I32)) as number[];
  const w = f.local(F64);
  f.get(dy).get(width).i32(2).add().mul().get(dx).add().set(paddedOffset!);
  f.get(d).i32(1).xor().set(back!);
  rows(
    f,
    { y: y!, x: x!, height, dy, x0, x1 },
    () => {
      f.get(y!).get(width).mul().get(x0).add().i32(3).mul().get(image).add().tee(a!);
      f.get(dy).get(width).mul().get(dx).add().i32(3).mul().add().set(b!);
      // p = (y + 1) * (width + 2) + x0 + 1
      f.get(y!).i32(1).add().get(width).i32(2).add().mul().get(x0).add().i32(1).add().set(p!);
    },
    () => {
      colourDistance2(f, a!, b!, diff!);
      f.tee(d2!).i32(3).shl().get(cache).add().tee(slot!).f64Load().tee(w).f64(0).f64Eq();
      f.if(() => {
        f.get(slot!);
        f.get(beta).f64Neg().get(d2!).f64ConvertI32S().f64Mul().call(EXP).tee(w);
        f.f64Store();
      });
      f.get(scale).get(w).f64Mul().set(w);
      f.get(p!).get(shift).shl().get(d).add().i32(3).shl().get(capacity).add().get(w).f64Store();
      f.get(p!).get(paddedOffset!).add().get(shift).shl().get(back!).add().i32(3).shl().get(capacity).add().get(w).f64Store();
    },
    () => {
      f.get(a!).i32(3).add().set(a!);
      f.get(b!).i32(3).add().set(b!);
      f.get(p!).i32(1).add().set(p!);
    },
  );
  return f;
}

/** pr = probs[i] from f32 (`f32` != 0) or f64 elements. */
function loadProbability(f: FunctionBody, probs: number, f32: number, i: number, pr: number): void {
  f.get(f32).if(
    () => f.get(i).i32(2).shl().get(probs).add().f32Load().f64PromoteF32().set(pr),
    () => f.get(i).i32(3).shl().get(probs).add().f64Load().set(pr),
  );
}

const FLOOR = 1e-6;
const UNDERFLOW_GUARD = 1e-280;

/**
 * Multiplies `product` by the factor on the stack; once below 1e-280, moves its logarithm into
 * `sum` (sum -= log(product)) and restarts at 1.
 */
function multiplyLogged(f: FunctionBody, product: number, sum: number): void {
  f.get(product).f64Mul().tee(product).f64(UNDERFLOW_GUARD).f64Lt();
  f.if(() => {
    f.get(sum).get(product).call(LOG).f64Sub().set(sum);
    f.f64(1).set(product);
  });
}

/**
 * terminals(width, height, probs, f32, terminal) -> the constant flow: terminal[p] = log(fg / bg) for
 * every pixel (fg = max(p, 1e-6), bg = max(1 - p, 1e-6)), and the sum of -log(max(fg, bg)); NaN
 * if some probability is NaN (the caller finds which).
 */
export function terminalsFunction(): FunctionBody {
  const f = new FunctionBody('terminals', [I32, I32, I32, I32, I32], [F64]);
  const [width, height, probs, f32, terminal] = [0, 1, 2, 3, 4];
  const [y, x, i, p, zero] = [f.local(I32), f.local(I32), f.local(I32), f.local(I32), f.local(I32)];
  const [pr, fg, bg, product, constant] = [f.local(F64), f.local(F64), f.local(F64), f.local(F64), f.local(F64)];
  f.f64(0).set(constant);
  f.f64(1).set(product);
  f.i32(0).set(i);
  rows(
    f,
    { y, x, height, dy: zero, x0: zero, x1: width },
    () => f.get(y).i32(1).add().get(width).i32(2).add().mul().i32(1).add().set(p),
    () => {
      loadProbability(f, probs, f32, i, pr);
      f.get(pr).get(pr).f64Ne();
      f.if(() => {
        f.f64(Number.NaN).return();
      });
      f.get(pr).f64(FLOOR).f64Max().set(fg);
      f.f64(1).get(pr).f64Sub().f64(FLOOR).f64Max().set(bg);
      f.get(p).i32(3).shl().get(terminal).add();
      f.get(fg).get(bg).f64Div().call(LOG).f64Store();
      f.get(fg).get(bg).f64Max();
      multiplyLogged(f, product, constant);
    },
    () => {
      f.get(i).i32(1).add().set(i);
      f.get(p).i32(1).add().set(p);
    },
  );
  f.get(constant).get(product).call(LOG).f64Sub();
  return f;
}

/** unaryEnergy(count, probs, f32, mask) -> sum of -log(chosen probability, at least 1e-6). */
export function unaryEnergyFunction(): FunctionBody {
  const f = new FunctionBody('unaryEnergy', [I32, I32, I32, I32], [F64]);
  const [count, probs, f32, mask] = [0, 1, 2, 3];
  const i = f.local(I32);
  const [pr, product, energy] = [f.local(F64), f.local(F64), f.local(F64)];
  f.f64(0).set(energy);
  f.f64(1).set(product);
  f.i32(0).set(i);
  f.block((done) => {
    f.loop((next) => {
      f.get(i).get(count).geS().brIf(done);
      loadProbability(f, probs, f32, i, pr);
      f.get(pr).f64(FLOOR).f64Max();
      f.f64(1).get(pr).f64Sub().f64(FLOOR).f64Max();
      f.get(mask).get(i).add().u8Load().select();
      multiplyLogged(f, product, energy);
      f.get(i).i32(1).add().set(i);
      f.br(next);
    });
  });
  f.get(energy).get(product).call(LOG).f64Sub();
  return f;
}

/**
 * pairEnergy(width, height, image, mask, dx, dy, x0, x1, scale, beta, energy) -> energy plus
 * scale * exp(-beta |dI|^2) for every pair (i, i + (dx, dy)) the mask separates.
 */
export function pairEnergyFunction(): FunctionBody {
  const f = new FunctionBody('pairEnergy', [I32, I32, I32, I32, I32, I32, I32, I32, F64, F64, F64], [F64]);
  const [width, height, image, mask, dx, dy, x0, x1, scale, beta, energy] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const [y, x, i, offset, a, b, diff] = Array.from({ length: 7 }, () => f.local(I32)) as number[];
  f.get(dy).get(width).mul().get(dx).add().set(offset!);
  rows(
    f,
    { y: y!, x: x!, height, dy, x0, x1 },
    () => f.get(y!).get(width).mul().get(x0).add().set(i!),
    () => {
      f.get(mask).get(i!).add().u8Load();
      f.get(mask).get(i!).add().get(offset!).add().u8Load();
      f.ne();
      f.if(() => {
        f.get(i!).i32(3).mul().get(image).add().set(a!);
        f.get(i!).get(offset!).add().i32(3).mul().get(image).add().set(b!);
        f.get(energy).get(scale);
        f.get(beta).f64Neg();
        colourDistance2(f, a!, b!, diff!);
        f.f64ConvertI32S().f64Mul().call(EXP).f64Mul().f64Add().set(energy);
      });
    },
    () => f.get(i!).i32(1).add().set(i!),
  );
  f.get(energy);
  return f;
}
