import { DEFAULT_LAMBDA, graphCut, parseClicksJson, type Click } from '@objsel/clicks';
import { decodeImage, encodeMaskPng, readNpy } from '@objsel/voc-data';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { numberChoiceFlag, numberParser } from '../flags';
import { readBytes, readText } from '../node-fs';
import { assertOutputsSafe } from '../output-guard';
import { foregroundProbability } from '../probability-file';
import { writeOutputs } from '../staged-outputs';

/** Options of `objsel graphcut`. */
export interface GraphcutCommandOptions {
  image: string;
  probs: string;
  /** With per-class probabilities [H, W, C > 2]: the foreground class. */
  class?: number;
  clicks?: string;
  lambda?: number;
  sigma?: number;
  connectivity: 4 | 8;
  out: string;
}

/** What `objsel graphcut` reports. */
export interface GraphcutCommandResult {
  out: string;
  width: number;
  height: number;
  lambda: number;
  sigma: number;
  connectivity: 4 | 8;
  clicks: number;
  energy: number;
  flow: number;
  foreground: number;
  seconds: number;
}

/**
 * Runs `objsel graphcut`: the exact minimum-energy binary mask of a foreground probability map
 * (Boykov–Kolmogorov max-flow), written as a 0/255 PNG.
 */
export async function runGraphcut(options: GraphcutCommandOptions): Promise<GraphcutCommandResult> {
  assertOutputsSafe([['--out', options.out]], [options.image, options.probs, options.clicks]);
  const start = performance.now();
  const image = await decodeImage(await readBytes(options.image), options.image);
  const { width, height } = image;
  const probs = foregroundProbability(readNpy(await readBytes(options.probs), options.probs), options.probs, width, height, options.class);
  let clicks: Click[] = [];
  if (options.clicks) {
    clicks = parseClicksJson(await readText(options.clicks), options.clicks);
    const outside = clicks.findIndex((c) => c.x < 0 || c.y < 0 || c.x >= width || c.y >= height);
    if (outside >= 0)
      throw new CliError(
        'usage',
        `click ${outside} at (${clicks[outside]!.x}, ${clicks[outside]!.y}) is outside the ${width}x${height} image`,
        { file: options.clicks },
      );
  }
  const result = graphCut({
    probs,
    image: image.data,
    width,
    height,
    clicks,
    lambda: options.lambda,
    sigma: options.sigma,
    connectivity: options.connectivity,
  });
  const { png, area: foreground } = encodeMaskPng(result.mask, width, height);
  await writeOutputs([[options.out, png]]);
  return {
    out: options.out,
    width,
    height,
    lambda: result.lambda,
    sigma: result.sigma,
    connectivity: options.connectivity,
    clicks: clicks.length,
    energy: result.energy,
    flow: result.flow,
    foreground,
    seconds: (performance.now() - start) / 1000,
  };
}

/** `objsel graphcut`: graph-cut refinement of a probability map (Xu et al. 2016 / Boykov–Jolly). */
export function registerGraphcut(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('graphcut')
    .description('refine a foreground probability map by an exact minimum cut (Boykov-Kolmogorov max-flow) into a 0/255 mask')
    .requiredOption('--image <file>', 'the RGB image (PNG or JPEG)')
    .requiredOption(
      '--probs <file>',
      'foreground probability, float32 .npy [H, W]; or softmax [H, W, C] (infer --save-probs): channel 1 of 2, or --class',
    )
    .option('--class <k>', 'with --probs [H, W, C]: the foreground class', numberParser('--class', { integer: true, min: 0, max: 255 }))
    .option(
      '--clicks <file>',
      'clicks JSON fixed as hard constraints ({"positive": [[x, y]], "negative": [[x, y]]} or [{"x", "y", "positive"}])',
    )
    .option('--lambda <l>', `smoothness weight (default ${DEFAULT_LAMBDA})`, numberParser('--lambda', { min: 0, max: 1e6 }))
    .option(
      '--sigma <s>',
      'colour scale of the contrast term (default: RMS neighbour colour difference, as GrabCut)',
      numberParser('--sigma', { min: 0, minExclusive: true, max: 1e6 }),
    )
    .addOption(
      new Option('--connectivity <n>', 'neighbourhood: 4, or 8 with diagonals weighted 1/sqrt(2)')
        .default(4)
        .argParser((v: string) => numberChoiceFlag('--connectivity', v, [4, 8] as const)),
    )
    .requiredOption('--out <file>', 'output mask PNG (0 background, 255 foreground)')
    .action(async (opts: GraphcutCommandOptions) => {
      const ctx = context();
      const result = await runGraphcut(opts);
      ctx.result(
        result,
        () =>
          `${result.out}: ${result.foreground} of ${result.width * result.height} pixels foreground (energy ${result.energy.toFixed(3)}, lambda ${result.lambda}, sigma ${result.sigma.toFixed(2)}, ${result.seconds.toFixed(2)} s)`,
      );
    });
  withExamples(cmd, [
    'objsel graphcut --image 2007_000129.jpg --probs prob.npy --out mask.png',
    'objsel graphcut --image img.jpg --probs softmax.npy --class 15 --out person.png   # infer --save-probs softmax.npy',
    'objsel graphcut --image img.jpg --probs prob.npy --clicks clicks.json --lambda 10 --connectivity 8 --out mask.png --json',
  ]);
}
