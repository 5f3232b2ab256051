import { argmaxLabels, countChangedLabels, CRF_PRESET_NAMES, crfAnnotation, crfPreset, crfRefine, type CrfParams } from '@objsel/dense-crf';
import { decodeImage, decodePngToRgb, encodeIndexPng, encodePng, readNpy, writeNpy } from '@objsel/voc-data';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { listParser, MAX_CRF_ITERATIONS, numberParser } from '../flags';
import { idleCoreThreads } from '../idle-cores';
import { readBytes } from '../node-fs';
import { assertOutputsSafe } from '../output-guard';
import { classProbabilities } from '../probability-file';
import { writeOutputs } from '../staged-outputs';

/** Options of `objsel crf`. */
export interface CrfCommandOptions {
  image: string;
  probs?: string;
  labels?: string;
  gtProb: number;
  iterations?: number;
  gaussian?: [number, number];
  bilateral?: [number, number, number];
  preset?: string;
  out: string;
  saveProbs?: string;
  /** Solver threads; default: the idle cores ({@link idleCoreThreads}). */
  threads?: number;
}

/** What `objsel crf` reports. */
export interface CrfCommandResult {
  out: string;
  mode: 'probs' | 'labels';
  width: number;
  height: number;
  numLabels: number;
  params: CrfParams;
  /** Pixels whose label differs from the input's (argmax of the probabilities, or the annotation where known). */
  changedPixels: number;
  seconds: number;
  saveProbs: string | null;
}

/** The preset, then the flags on top of it. */
function resolveParams(options: CrfCommandOptions, defaultPreset: string): CrfParams {
  const params = crfPreset(options.preset ?? defaultPreset);
  if (options.iterations !== undefined) params.iterations = options.iterations;
  if (options.gaussian) params.gaussian = { sxy: options.gaussian[0], compat: options.gaussian[1] };
  if (options.bilateral) params.bilateral = { sxy: options.bilateral[0], srgb: options.bilateral[1], compat: options.bilateral[2] };
  return params;
}

/**
 * Runs `objsel crf`: dense-CRF refinement of softmax probabilities (`--probs`, float32 .npy
 * [H, W, C]) or of a sparse colour annotation (`--labels`, pydensecrf's example program).
 */
export async function runCrf(options: CrfCommandOptions, onProgress?: CliContext['onProgress']): Promise<CrfCommandResult> {
  if (!options.probs === !options.labels) throw new CliError('usage', 'give exactly one of --probs P.npy or --labels L.png');
  assertOutputsSafe(
    [
      ['--out', options.out],
      ['--save-probs', options.saveProbs],
    ],
    [options.image, options.probs, options.labels],
  );
  const start = performance.now();
  const image = await decodeImage(await readBytes(options.image), options.image);
  const { width, height } = image;
  const n = width * height;
  const threads = options.threads ?? idleCoreThreads();

  if (options.probs) {
    const { data: probs, numLabels } = classProbabilities(
      readNpy(await readBytes(options.probs), options.probs),
      options.probs,
      width,
      height,
    );
    const params = resolveParams(options, 'deeplab-v2');
    const result = crfRefine({ probs, image: image.data, width, height, numLabels, params, threads, onProgress });
    const changed = countChangedLabels(argmaxLabels(probs, n, numLabels, 'hwc'), result.labels);
    await writeOutputs([
      [options.out, encodeIndexPng(result.labels, width, height)],
      [options.saveProbs, options.saveProbs ? writeNpy({ shape: [height, width, numLabels], data: result.probs }) : ''],
    ]);
    return {
      out: options.out,
      mode: 'probs',
      width,
      height,
      numLabels,
      params: result.params,
      changedPixels: changed,
      seconds: (performance.now() - start) / 1000,
      saveProbs: options.saveProbs ?? null,
    };
  }

  // --labels: each distinct colour is a label, black is unknown (pydensecrf examples/inference.py).
  const anno = decodePngToRgb(await readBytes(options.labels!), options.labels);
  if (anno.width !== width || anno.height !== height) {
    throw new CliError('usage', `annotation is ${anno.width}x${anno.height}, image is ${width}x${height}`, { file: options.labels });
  }
  const refined = crfAnnotation({
    annotation: anno.data,
    image: image.data,
    width,
    height,
    gtProb: options.gtProb,
    params: resolveParams(options, 'pydensecrf-example'),
    threads,
    ...(onProgress ? { onProgress } : {}),
    ...(options.labels ? { file: options.labels } : {}),
  });
  await writeOutputs([
    [options.out, encodePng({ width, height, channels: 3, data: refined.rgb })],
    [options.saveProbs, options.saveProbs ? writeNpy({ shape: [height, width, refined.numLabels], data: refined.probs }) : ''],
  ]);
  return {
    out: options.out,
    mode: 'labels',
    width,
    height,
    numLabels: refined.numLabels,
    params: refined.params,
    changedPixels: refined.changedPixels,
    seconds: (performance.now() - start) / 1000,
    saveProbs: options.saveProbs ?? null,
  };
}

/** `objsel crf`: fully connected CRF post-processing (pydensecrf in TypeScript). */
export function registerCrf(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('crf')
    .description('refine a segmentation with a fully connected CRF (Krähenbühl & Koltun; pydensecrf-compatible)')
    .requiredOption('--image <file>', 'the RGB image (PNG or JPEG)')
    .option('--probs <file>', 'softmax probabilities, float32 .npy [H, W, C] (infer --save-probs)')
    .option('--labels <file>', "sparse colour annotation PNG: each colour a label, black unknown (pydensecrf's example)")
    .addOption(
      new Option('--gt-prob <p>', 'with --labels: probability that an annotated label is right')
        .default(0.7)
        .argParser(numberParser('--gt-prob', { min: 0, minExclusive: true, max: 1, maxExclusive: true })),
    )
    .option(
      '--iterations <n>',
      "mean-field iterations, 0..1000 (default: the preset's)",
      numberParser('--iterations', { integer: true, min: 0, max: MAX_CRF_ITERATIONS }),
    )
    .option('--gaussian <sxy,compat>', 'smoothness term: position std in pixels, Potts weight', listParser('--gaussian', { length: 2 }))
    .option(
      '--bilateral <sxy,srgb,compat>',
      'appearance term: position std, colour std, Potts weight',
      listParser('--bilateral', { length: 3 }),
    )
    .addOption(
      new Option('--preset <name>', 'parameter set (default deeplab-v2 with --probs, pydensecrf-example with --labels)').choices(
        CRF_PRESET_NAMES,
      ),
    )
    .requiredOption('--out <file>', 'output PNG: VOC-palette labels (--probs) or the annotation colours (--labels)')
    .option('--save-probs <file>', 'also write the CRF marginals Q as float32 .npy [H, W, C]')
    .option(
      '--threads <n>',
      'threads for the WebAssembly solver (worker threads; default: the idle cores, at most 4)',
      numberParser('--threads', { integer: true, min: 1, max: 256 }),
    )
    .action(async (raw: Omit<CrfCommandOptions, 'gtProb'> & { gtProb: number }) => {
      const ctx = context();
      const result = await runCrf(raw, ctx.onProgress);
      ctx.result(result, () =>
        [
          `wrote ${result.out} (${result.width}x${result.height}, ${result.numLabels} labels, ${result.mode})`,
          `params ${result.params.iterations} iterations, gaussian ${JSON.stringify(result.params.gaussian)}, bilateral ${JSON.stringify(result.params.bilateral)}`,
          `changed ${result.changedPixels} pixels in ${result.seconds.toFixed(2)} s`,
          ...(result.saveProbs ? [`wrote ${result.saveProbs}`] : []),
        ].join('\n'),
      );
    });
  withExamples(cmd, [
    'objsel crf --image im1.png --labels anno1.png --out out1.png',
    'objsel crf --image img.jpg --probs softmax.npy --preset deeplab-v2 --out mask.png --save-probs q.npy',
    'objsel crf --image img.jpg --probs softmax.npy --iterations 5 --gaussian 3,3 --bilateral 80,13,10 --out mask.png --json',
  ]);
}
