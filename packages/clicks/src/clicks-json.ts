import { ClicksError } from './errors';
import type { ClickSample } from './sampling';
import type { Click } from './types';

/**
 * The JSON file of one simulated training sample (what `objsel clicks sample` writes): pixel
 * coordinates `[x, y]`, x rightwards, y downwards.
 */
export interface ClickSampleFile {
  /** Image id (`2007_000032`). */
  image: string;
  /** Instance index in the `SegmentationObject` label. */
  object: number;
  /** Negative strategy 1, 2 or 3. */
  strategy: number;
  positive: Array<[number, number]>;
  negative: Array<[number, number]>;
  /** Sampling parameters and anything else that reproduces the sample. */
  params: Record<string, unknown>;
}

/** A sample in the file shape of {@link ClickSampleFile}. */
export function clickSampleToJson(sample: ClickSample, image: string, params: Record<string, unknown>): ClickSampleFile {
  return {
    image,
    object: sample.object,
    strategy: sample.strategy,
    positive: sample.positive.map((p) => [p.x, p.y]),
    negative: sample.negative.map((p) => [p.x, p.y]),
    params,
  };
}

function fail(message: string, file: string | undefined, where?: string): never {
  throw new ClicksError('bad-clicks', message, { file, where });
}

function pairs(value: unknown, name: string, file: string | undefined): Array<[number, number]> {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(`"${name}" must be an array of [x, y] pairs`, file, name);
  return value.map((p, k) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number') {
      fail(`"${name}"[${k}] must be [x, y] with two numbers, got ${JSON.stringify(p)?.slice(0, 60)}`, file, `${name}[${k}]`);
    }
    return [p[0], p[1]];
  });
}

/**
 * Reads clicks from JSON text in any of the forms objsel writes or accepts:
 * `{"positive": [[x, y], ...], "negative": [[x, y], ...]}` (a `clicks sample` file),
 * `[{"x": .., "y": .., "positive": true}, ...]`, or `{"clicks": [...]}` of the latter.
 * Coordinates are checked to be integers here; bounds are checked where the image size is known.
 */
export function parseClicksJson(text: string, file?: string): Click[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`, file);
  }
  const list = Array.isArray(value)
    ? value
    : value !== null && typeof value === 'object' && 'clicks' in value
      ? (value as { clicks: unknown }).clicks
      : undefined;
  let clicks: Click[];
  if (list !== undefined) {
    if (!Array.isArray(list)) fail('"clicks" must be an array of {x, y, positive}', file, 'clicks');
    clicks = list.map((c: unknown, k) => {
      const o = c as { x?: unknown; y?: unknown; positive?: unknown } | null;
      if (o === null || typeof o !== 'object' || typeof o.x !== 'number' || typeof o.y !== 'number' || typeof o.positive !== 'boolean') {
        fail(
          `click ${k} must be {"x": number, "y": number, "positive": boolean}, got ${JSON.stringify(c)?.slice(0, 60)}`,
          file,
          `clicks[${k}]`,
        );
      }
      return { x: o.x, y: o.y, positive: o.positive };
    });
  } else if (value !== null && typeof value === 'object') {
    const o = value as { positive?: unknown; negative?: unknown };
    if (o.positive === undefined && o.negative === undefined) fail('expected "positive"/"negative" arrays or a list of clicks', file);
    clicks = [
      ...pairs(o.positive, 'positive', file).map(([x, y]) => ({ x, y, positive: true })),
      ...pairs(o.negative, 'negative', file).map(([x, y]) => ({ x, y, positive: false })),
    ];
  } else {
    fail('expected a JSON object or array of clicks', file);
  }
  clicks.forEach((c, k) => {
    if (!Number.isInteger(c.x) || !Number.isInteger(c.y))
      fail(`click ${k} at (${c.x}, ${c.y}) is not an integer pixel`, file, `click ${k}`);
  });
  return clicks;
}
