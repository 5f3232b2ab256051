/**
 * What an `objsel crf` run is, from its flags: the images and the settings, checked before any
 * work (the same checks for the command, a shard and `objsel submit crf`).
 */
import { CRF_PRESET_NAMES } from '@objsel/dense-crf';
import { type Command, Option } from 'commander';
import { CliError } from '../errors';
import { listParser, MAX_CRF_ITERATIONS, numberParser } from '../flags';
import { assertFilesExist } from '../node-fs';
import { assertOutputsSafe } from '../output-guard';
import { crfFiles, crfImageName, type CrfSettings } from './crf-job';

/** The flags of `objsel crf` (and `objsel submit crf`), parsed by their argument parsers: the settings, with `--image` for the image count. */
export type CrfFlags = Omit<CrfSettings, 'imageCount'> & { image?: string };

/** Declares crf's arguments and flags on `cmd`. */
export function addCrfOptions(cmd: Command): Command {
  return cmd
    .argument(
      '[images...]',
      'several images (instead of --image): each reads and writes <stem>_<name><ext> beside --probs/--labels/--out/--save-probs, as infer --save-probs names them',
    )
    .option('--image <file>', 'the RGB image (PNG or JPEG)')
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
      'threads for the WebAssembly solver per image (worker threads; default: the idle cores when the image starts, at most 4, so queue workers with --concurrency share the cores)',
      numberParser('--threads', { integer: true, min: 1, max: 256 }),
    );
}

/** The images and settings of a crf run, refused before any work when outputs would collide or inputs are missing. */
export function crfPlan(positionals: readonly string[], flags: CrfFlags): { settings: CrfSettings; items: string[] } {
  if (flags.image !== undefined && positionals.length > 0)
    throw new CliError('usage', 'give the images either with --image or as arguments, not both');
  const images = flags.image !== undefined ? [flags.image] : [...positionals];
  if (images.length === 0) throw new CliError('usage', 'give the image with --image FILE (or several images as arguments)');
  if (!flags.probs === !flags.labels) throw new CliError('usage', 'give exactly one of --probs P.npy or --labels L.png');
  const settings: CrfSettings = {
    gtProb: flags.gtProb,
    out: flags.out,
    imageCount: images.length,
    ...(flags.probs === undefined ? {} : { probs: flags.probs }),
    ...(flags.labels === undefined ? {} : { labels: flags.labels }),
    ...(flags.iterations === undefined ? {} : { iterations: flags.iterations }),
    ...(flags.gaussian === undefined ? {} : { gaussian: flags.gaussian }),
    ...(flags.bilateral === undefined ? {} : { bilateral: flags.bilateral }),
    ...(flags.preset === undefined ? {} : { preset: flags.preset }),
    ...(flags.saveProbs === undefined ? {} : { saveProbs: flags.saveProbs }),
    ...(flags.threads === undefined ? {} : { threads: flags.threads }),
  };
  const names = images.map(crfImageName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new CliError('usage', `two images are named '${duplicate}': their outputs would overwrite each other`);
  const files = images.map((image) => crfFiles(settings, image));
  assertOutputsSafe(
    files.flatMap((f) => [['--out', f.out] as const, ['--save-probs', f.saveProbs] as const]),
    [...images, ...files.flatMap((f) => [f.probs, f.labels])],
  );
  // Several images: a missing one fails the run before any work (one image reports its read error as always).
  if (images.length > 1) assertFilesExist([...images, ...files.flatMap((f) => [f.probs ?? f.labels!])]);
  return { settings, items: images };
}
