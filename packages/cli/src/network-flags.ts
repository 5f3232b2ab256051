/**
 * The flags that name a trained network the way the originals do: `--weights` or its
 * DrSleep-era alias `--restore-from`, inference.py's `IMAGE MODEL_WEIGHTS` positional form, and
 * `--num-classes` as a check against what the weights hold.
 */
import path from 'node:path';
import { CliError } from './errors';
import { numberFlag } from './flags';

/** Extensions `infer` reads as images; anything else in the second position is taken for weights. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

const looksLikeImage = (file: string): boolean => IMAGE_EXTENSIONS.has(path.extname(file).toLowerCase());

/** `--weights` or `--restore-from` (one network: both given must agree). */
export function weightsFlag(flags: { weights?: string; restoreFrom?: string }): string | undefined {
  if (flags.weights !== undefined && flags.restoreFrom !== undefined && flags.weights !== flags.restoreFrom)
    throw new CliError('usage', `--weights ${flags.weights} and --restore-from ${flags.restoreFrom} name two networks: give one`);
  return flags.weights ?? flags.restoreFrom;
}

/**
 * The images and the weights of `infer`: with `--weights`/`--restore-from` every positional is an
 * image; without, inference.py's `IMAGE MODEL_WEIGHTS` (exactly two positionals, the second not an
 * image file). Several images and no flag is ambiguous, so it is refused rather than guessed.
 */
export function imagesAndWeights(
  positionals: readonly string[],
  flags: { weights?: string; restoreFrom?: string },
): {
  images: string[];
  weights: string;
} {
  const named = weightsFlag(flags);
  if (named !== undefined) return { images: [...positionals], weights: named };
  if (positionals.length === 2 && !looksLikeImage(positionals[1]!)) return { images: [positionals[0]!], weights: positionals[1]! };
  if (positionals.length >= 2)
    throw new CliError(
      'usage',
      `${positionals.length} images and no --weights: give the network with --weights DIR (the positional form IMAGE WEIGHTS of inference.py takes one image and weights that are not a .jpg/.png)`,
    );
  throw new CliError('usage', 'give the network with --weights DIR or as the second argument, IMAGE WEIGHTS (see objsel convert)');
}

/** `--num-classes N` as a number, checked before any work (undefined when not given). */
export function numClassesFlag(value: string | undefined): number | undefined {
  return value === undefined ? undefined : numberFlag('--num-classes', value, { integer: true, min: 1, max: 256 });
}

/** The originals took `--num-classes` to build the graph; here the weights say it, and a different number is a mistake. */
export function assertNumClasses(expected: number | undefined, actual: number, weights: string): void {
  if (expected !== undefined && expected !== actual)
    throw new CliError('usage', `--num-classes ${expected} does not match the weights: ${weights} has ${actual} classes`);
}
