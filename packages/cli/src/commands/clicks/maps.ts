import { distanceMaps, parseClicksJson, splitClicks } from '@objsel/clicks';
import { writeNpy } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { assertPixelCap, MAX_SIDE, numberParser } from '../../flags';
import { readText } from '../../node-fs';
import { assertOutputsSafe } from '../../output-guard';
import { writeOutputs } from '../../staged-outputs';

/** Options of `objsel clicks maps`. */
export interface ClicksMapsOptions {
  clicks: string;
  width: number;
  height: number;
  scale: number;
  out: string;
}

/** Runs `objsel clicks maps`: the two truncated distance maps as float32 .npy [H, W, 2]. */
export async function runClicksMaps(
  options: ClicksMapsOptions,
): Promise<{ out: string; width: number; height: number; positive: number; negative: number; scale: number }> {
  assertPixelCap('--width/--height', options.width, options.height);
  assertOutputsSafe([['--out', options.out]], [options.clicks]);
  const clicks = parseClicksJson(await readText(options.clicks), options.clicks);
  const { positive, negative } = splitClicks(clicks);
  const maps = distanceMaps(options.width, options.height, positive, negative, { scale: options.scale });
  await writeOutputs([[options.out, writeNpy({ shape: [options.height, options.width, 2], data: maps })]]);
  return {
    out: options.out,
    width: options.width,
    height: options.height,
    positive: positive.length,
    negative: negative.length,
    scale: options.scale,
  };
}

/** `objsel clicks maps`. */
export function registerClicksMaps(group: Command, context: () => CliContext): void {
  const maps = group
    .command('maps')
    .description('encode clicks as the two truncated Euclidean distance maps, float32 .npy [H, W, 2] (positive, negative)')
    .requiredOption('--clicks <file>', 'clicks JSON: {"positive": [[x, y]], "negative": [[x, y]]} or [{"x", "y", "positive"}]')
    .requiredOption(
      '--width <px>',
      'image width (width x height at most 8192x8192 pixels)',
      numberParser('--width', { integer: true, min: 1, max: MAX_SIDE }),
    )
    .requiredOption('--height <px>', 'image height', numberParser('--height', { integer: true, min: 1, max: MAX_SIDE }))
    .option(
      '--scale <k>',
      'multiply distances by k before truncating at 255 (Damanpreet uses 6)',
      numberParser('--scale', { min: 0, minExclusive: true, max: 1000 }),
      1,
    )
    .requiredOption('--out <file>', 'output .npy')
    .action(async (opts: ClicksMapsOptions) => {
      const ctx = context();
      const result = await runClicksMaps(opts);
      ctx.result(
        result,
        () => `${result.positive} positive and ${result.negative} negative clicks -> ${result.out} [${result.height}, ${result.width}, 2]`,
      );
    });
  withExamples(maps, [
    'objsel clicks maps --clicks c.json --width 500 --height 375 --out maps.npy',
    'objsel clicks maps --clicks c.json --width 500 --height 375 --scale 6 --out maps.npy',
  ]);
}
