/**
 * What `objsel train --interactive` and `select` share on the CLI side: the click flag, the
 * training objects of a list and the training-click encoder (@objsel/clicks' sampler and
 * distance maps). The model side of a selection is `@objsel/deeplab-resnet/interactive`.
 */
import { promises as fs } from 'node:fs';
import {
  clickMaps,
  createRng,
  distanceMaps,
  objectIds,
  resolveSamplingParams,
  sampleClicks,
  type Click,
  type NegativeStrategy,
  type SamplingParams,
} from '@objsel/clicks';
import type { ClickEncoder, InteractiveSampleSpec } from '@objsel/deeplab-resnet/interactive';
import { decodeLabel, joinDataPath, type ListEntry } from '@objsel/voc-data';
import { CliError } from '../errors';

/** Parses `X,Y,+` / `X,Y,-` (also `pos`/`neg`, `1`/`0`). */
export function parseClickFlag(value: string): Click {
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*,\s*(\+|-|pos|neg|positive|negative|1|0)\s*$/i.exec(value);
  if (!m) throw new CliError('usage', `--click takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${value}'`);
  const kind = m[3]!.toLowerCase();
  return { x: Number(m[1]), y: Number(m[2]), positive: kind === '+' || kind === 'pos' || kind === 'positive' || kind === '1' };
}

/** Reads a file if it exists. */
export async function readIfExists(file: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await fs.readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The instance label of a list entry: `<dataDir>/<objectDir>/<id>.png`. */
export function instancePath(dataDir: string, objectDir: string, entry: ListEntry): string {
  return joinDataPath(dataDir, `${objectDir}/${entry.id}.png`);
}

/**
 * Training objects of a list: every instance of every listed image's `SegmentationObject` label
 * (images without one are reported in `missing`).
 */
export async function interactiveSpecs(
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; missing: string[] }> {
  const specs: InteractiveSampleSpec[] = [];
  const missing: string[] = [];
  for (const entry of entries) {
    const objects = instancePath(dataDir, objectDir, entry);
    const bytes = await readIfExists(objects);
    if (!bytes) {
      missing.push(entry.id);
      continue;
    }
    const label = decodeLabel(bytes, objects);
    for (const object of objectIds(label.data)) specs.push({ id: `${entry.id}#${object}`, image: entry.image, objects, object });
  }
  return { specs, missing };
}

/**
 * Fixed training samples from `objsel clicks sample` output: its list (`clicks.txt`, JSON file
 * names relative to the list) joined to the data list by image id.
 */
export async function specsFromClickFiles(
  listFile: string,
  entries: readonly ListEntry[],
  dataDir: string,
  objectDir: string,
): Promise<{ specs: InteractiveSampleSpec[]; unknown: string[] }> {
  const { parseClicksJson, splitClicks } = await import('@objsel/clicks');
  const path = await import('node:path');
  const byId = new Map(entries.map((e) => [e.id, e]));
  const text = await fs.readFile(listFile, 'utf8');
  const specs: InteractiveSampleSpec[] = [];
  const unknown: string[] = [];
  for (const line of text.split('\n')) {
    const name = line.trim();
    if (!name) continue;
    const file = path.resolve(path.dirname(listFile), name);
    const json = await fs.readFile(file, 'utf8');
    const meta = JSON.parse(json) as { image?: unknown; object?: unknown };
    if (typeof meta.image !== 'string' || typeof meta.object !== 'number')
      throw new CliError('usage', 'a clicks sample file needs "image" (id) and "object" (instance)', { file });
    const entry = byId.get(meta.image);
    if (!entry) {
      unknown.push(meta.image);
      continue;
    }
    const { positive, negative } = splitClicks(parseClicksJson(json, file));
    specs.push({
      id: `${entry.id}#${meta.object}:${name}`,
      image: entry.image,
      objects: instancePath(dataDir, objectDir, entry),
      object: meta.object,
      clicks: { positive, negative },
    });
  }
  return { specs, unknown };
}

/** Options of {@link clickEncoder}. */
export interface EncoderOptions {
  /** Negative strategies drawn from, uniformly per sample (2 only where the image has another object). */
  strategies: NegativeStrategy[];
  /** Sampler parameters (clicks package defaults where absent). */
  sampling?: Partial<SamplingParams>;
  /** Distance-map scale. */
  clickScale: number;
  /**
   * Keep a random subset of each sample's clicks: k ~ U{1..n} of the n positives and
   * k ~ U{0..n} of the n negatives (default false: all of them, as the seed). The robot's first
   * clicks — one positive, then few negatives — are then in the training distribution.
   */
  subsets?: boolean;
}

/** A seeded random subset of `k` of `points` (order kept). */
function subset<T>(points: readonly T[], k: number, rng: { int(n: number): number }): T[] {
  const index = points.map((_, i) => i);
  for (let i = index.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [index[i], index[j]] = [index[j]!, index[i]!];
  }
  return index
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => points[i]!);
}

/**
 * The training-click encoder: fixed clicks of a spec, else fresh clicks from Xu's sampler
 * (seeded by the training stream), as the two truncated distance maps.
 */
export function clickEncoder(options: EncoderOptions): ClickEncoder {
  const params = resolveSamplingParams(options.sampling ?? {});
  return ({ spec, instances, width, height, seed }) => {
    if (spec.clicks) {
      const clicks = [
        ...spec.clicks.positive.map((p) => ({ ...p, positive: true })),
        ...spec.clicks.negative.map((p) => ({ ...p, positive: false })),
      ];
      return clickMaps(width, height, clicks, { scale: options.clickScale });
    }
    const rng = createRng(seed | 0);
    const others = objectIds(instances, params.voidLabel).length > 1;
    const strategies = options.strategies.filter((s) => s !== 2 || others);
    const strategy = strategies.length ? strategies[rng.int(strategies.length)]! : 1;
    const sample = sampleClicks(instances, width, height, spec.object, strategy, { ...params, rng });
    let { positive, negative } = sample;
    if (options.subsets) {
      positive = subset(positive, 1 + rng.int(positive.length), rng);
      negative = subset(negative, rng.int(negative.length + 1), rng);
    }
    return distanceMaps(width, height, positive, negative, { scale: options.clickScale });
  };
}
