/**
 * The CLI's flag parsers: commander hands every value over as a string, these turn it into a
 * typed value or throw the CLI's usage error (one line, exit 2) naming the flag and the value.
 */
import type { Click, NegativeStrategy } from '@objsel/clicks';
import { VOC_CLASSES } from '@objsel/voc-data';
import { CliError } from './errors';

/** Constraints of a number flag; bounds are inclusive unless marked exclusive. */
export interface NumberFlagOptions {
  integer?: boolean;
  min?: number;
  minExclusive?: boolean;
  max?: number;
  maxExclusive?: boolean;
}

/** "an integer >= 1", "a number in (0, 1)", ...: what a flag accepts, for its error message. */
export function describeNumber(options: NumberFlagOptions = {}): string {
  const kind = options.integer ? 'an integer' : 'a number';
  const { min, max } = options;
  if (min !== undefined && max !== undefined)
    return `${kind} in ${options.minExclusive ? '(' : '['}${min}, ${max}${options.maxExclusive ? ')' : ']'}`;
  if (min !== undefined) return `${kind} ${options.minExclusive ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} ${options.maxExclusive ? '<' : '<='} ${max}`;
  return kind;
}

/** Parses a number flag (`--name value`); throws a usage error unless it is finite and within the options. */
export function numberFlag(name: string, value: string, options: NumberFlagOptions = {}): number {
  const n = Number(value);
  const { min, max } = options;
  const bad =
    value.trim() === '' ||
    !Number.isFinite(n) ||
    (options.integer === true && !Number.isSafeInteger(n)) ||
    (min !== undefined && (options.minExclusive ? n <= min : n < min)) ||
    (max !== undefined && (options.maxExclusive ? n >= max : n > max));
  if (bad) throw new CliError('usage', `${name} must be ${describeNumber(options)}, got '${value}'`);
  return n;
}

/** {@link numberFlag} as a commander argument parser. */
export function numberParser(name: string, options: NumberFlagOptions = {}): (value: string) => number {
  return (value) => numberFlag(name, value, options);
}

/** Options of {@link listFlag}: each element's constraints (default: positive numbers) and the count. */
export interface ListFlagOptions extends NumberFlagOptions {
  length?: number;
}

/** Parses `a,b,c` into numbers; each must satisfy the options (positive numbers unless `min` is given). */
export function listFlag(name: string, value: string, options: ListFlagOptions = {}): number[] {
  const { length, ...element } = options;
  const bounds: NumberFlagOptions = element.min === undefined ? { ...element, min: 0, minExclusive: true } : element;
  const out = value.split(',').map((part) => numberFlag(name, part.trim(), bounds));
  if (length !== undefined && out.length !== length)
    throw new CliError('usage', `${name} needs ${length} comma-separated values, got '${value}'`);
  return out;
}

/** {@link listFlag} as a commander argument parser. */
export function listParser(name: string, options: ListFlagOptions = {}): (value: string) => number[] {
  return (value) => listFlag(name, value, options);
}

/** "a, b or c". */
function alternatives(choices: readonly (string | number)[]): string {
  return choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : String(choices[0]);
}

/** One of fixed words (`--refine none|graphcut|crf`). */
export function choiceFlag<T extends string>(name: string, value: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value))
    throw new CliError('usage', `${name} must be ${alternatives(choices)}, got '${value}'`);
  return value as T;
}

/** One of fixed numbers (`--connectivity 4|8`). */
export function numberChoiceFlag<T extends number>(name: string, value: string, choices: readonly T[]): T {
  const n = Number(value);
  if (value.trim() === '' || !(choices as readonly number[]).includes(n))
    throw new CliError('usage', `${name} must be ${alternatives(choices)}, got '${value}'`);
  return n as T;
}

/** Parses a click `X,Y,+` / `X,Y,-` (also `pos`/`neg`, `positive`/`negative`, `1`/`0`): pixel column, row, kind. */
export function clickFlag(value: string, name = '--click'): Click {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\+|-|pos|neg|positive|negative|1|0)\s*$/i.exec(value);
  if (!m) throw new CliError('usage', `${name} takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${value}'`);
  const kind = m[3]!.toLowerCase();
  return { x: Number(m[1]), y: Number(m[2]), positive: kind === '+' || kind === 'pos' || kind === 'positive' || kind === '1' };
}

/** Xu et al.'s negative click strategies, `1,2,3` (duplicates dropped). */
export function strategiesFlag(value: string, name = '--strategies'): NegativeStrategy[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((s) => s !== '1' && s !== '2' && s !== '3'))
    throw new CliError('usage', `${name} takes 1, 2 and/or 3 separated by commas, got '${value}'`);
  return [...new Set(parts.map(Number))] as NegativeStrategy[];
}

/** ResNet depths and their residual units per stage (the `--depth` flag of `--from-scratch`). */
const BLOCKS_BY_DEPTH: Readonly<Record<number, readonly number[]>> = { 50: [3, 4, 6, 3], 101: [3, 4, 23, 3], 152: [3, 8, 36, 3] };

/** `--depth 50|101|152` → the residual units per stage. */
export function depthFlag(value: string, name = '--depth'): { depth: 50 | 101 | 152; blocks: number[] } {
  const depth = numberChoiceFlag(name, value, [50, 101, 152] as const);
  return { depth, blocks: [...BLOCKS_BY_DEPTH[depth]!] };
}

/** `--tags 3,15` or `--tags cat,person`: VOC object classes by id (1..20) or name. */
export function vocTagsFlag(value: string, name = '--tags'): number[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .map((t) => {
      const id = /^\d+$/.test(t) ? Number(t) : VOC_CLASSES.indexOf(t.toLowerCase());
      if (!(id >= 1 && id <= 20))
        throw new CliError('usage', `${name}: '${t}' is not a VOC object class (1..20 or a name such as 'person')`);
      return id;
    });
}

/** A box `x0,y0,x1,y1` in pixels (columns x0 <= x < x1, rows y0 <= y < y1), as `--box` gives it. */
export type BoxFlag = readonly [x0: number, y0: number, x1: number, y1: number];

/**
 * Parses `--box x0,y0,x1,y1`: four integers >= 0 with x0 < x1 and y0 < y1 (x1, y1 exclusive, the
 * corners of OpenCV's `Rect`). Given the image size, the box must also lie inside it
 * (x1 <= width, y1 <= height): a box the method would clamp is more likely a typo.
 */
export function boxFlag(value: string, image?: { width: number; height: number }, name = '--box'): BoxFlag {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  if (!m) throw new CliError('usage', `${name} takes x0,y0,x1,y1 (four integers >= 0), got '${value}'`);
  const [x0, y0, x1, y1] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  if (![x0, y0, x1, y1].every(Number.isSafeInteger)) throw new CliError('usage', `${name} takes four integers >= 0, got '${value}'`);
  if (!(x0 < x1 && y0 < y1)) throw new CliError('usage', `${name} needs x0 < x1 and y0 < y1, got '${value}'`);
  if (image && (x1 > image.width || y1 > image.height))
    throw new CliError(
      'usage',
      `${name} ${value} is not inside the ${image.width}x${image.height} image (x1 <= ${image.width}, y1 <= ${image.height})`,
    );
  return [x0, y0, x1, y1];
}

/**
 * The most pixels any image-sized flag may ask for (8192 x 8192, 64 Mi): larger sizes would
 * allocate gigabytes before the first step, so they are refused before any work starts.
 */
export const MAX_PIXELS = 8192 * 8192;

/** The longest side an image-sized flag accepts (each side is also bounded by {@link MAX_PIXELS}). */
export const MAX_SIDE = 65536;

/** Refuses a width x height beyond {@link MAX_PIXELS} (the flags name both sides, e.g. `--width/--height`). */
export function assertPixelCap(flags: string, width: number, height: number): void {
  if (width * height > MAX_PIXELS)
    throw new CliError('usage', `${flags} ${width}x${height} is ${width * height} pixels, more than the cap of ${MAX_PIXELS} (8192x8192)`);
}

/** The most mean-field iterations a dense-CRF flag accepts (the presets use 5 to 10). */
export const MAX_CRF_ITERATIONS = 1000;

/** The most updates a training flag accepts (DeepLab trains 20,000; DCSP 30,000 a stage). */
export const MAX_STEPS = 10_000_000;
