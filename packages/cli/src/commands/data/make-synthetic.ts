import path from 'node:path';
import { makeSyntheticDataset, type SyntheticSummary } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { assertPixelCap, MAX_SIDE, numberParser } from '../../flags';
import { assertOwnOutputDir } from '../../output-guard';
import { withStagedOutputs } from '../../staged-outputs';

/** `objsel data make-synthetic`. */
export function registerDataMakeSynthetic(data: Command, context: () => CliContext): void {
  const make = data
    .command('make-synthetic')
    .description(
      'write a synthetic VOC-format dataset (JPEGImages, SegmentationClass/ClassAug/Object, Annotations, ImageSets, seed list files, DCSP ClassCategories and Saliency, SBD cls/inst .mat) that every pipeline can train on without downloads',
    )
    .requiredOption('--out <dir>', 'output directory (becomes --data-dir)')
    .option('--count <n>', 'images', numberParser('--count', { integer: true, min: 1, max: 1_000_000 }), 200)
    .option('--seed <n>', 'random seed (same seed, same bytes)', numberParser('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }), 1234)
    .option(
      '--width <px>',
      'image width (width x height at most 8192x8192 pixels)',
      numberParser('--width', { integer: true, min: 1, max: MAX_SIDE }),
      320,
    )
    .option('--height <px>', 'image height', numberParser('--height', { integer: true, min: 1, max: MAX_SIDE }), 240)
    .option('--classes <n>', 'object classes (VOC ids 1..n, at most 20)', numberParser('--classes', { integer: true, min: 1 }), 5)
    .option('--min-objects <n>', 'fewest objects per image', numberParser('--min-objects', { integer: true, min: 1, max: 100 }), 1)
    .option('--max-objects <n>', 'most objects per image', numberParser('--max-objects', { integer: true, min: 1, max: 100 }), 3)
    .option('--min-size <px>', 'smallest object size', numberParser('--min-size', { integer: true, min: 1, max: MAX_SIDE }), 64)
    .option('--max-size <px>', 'largest object size', numberParser('--max-size', { integer: true, min: 1, max: MAX_SIDE }), 160)
    .option('--val-fraction <f>', 'fraction of images in val', numberParser('--val-fraction', { min: 0, max: 1, maxExclusive: true }), 0.2)
    .option(
      '--void-border <px>',
      'width of the 255 band along object boundaries (0 = none)',
      numberParser('--void-border', { integer: true, min: 0, max: MAX_SIDE }),
      2,
    )
    .option('--no-sbd', 'skip the SBD-style cls/ and inst/ .mat files')
    .option('--force', 'write into an existing directory that is not a synthetic dataset (its files of the same names are replaced)')
    .action(
      async (opts: {
        out: string;
        count: number;
        seed: number;
        width: number;
        height: number;
        classes: number;
        minObjects: number;
        maxObjects: number;
        minSize: number;
        maxSize: number;
        valFraction: number;
        voidBorder: number;
        sbd: boolean;
        force?: boolean;
      }) => {
        const ctx = context();
        if (opts.classes > 20) throw new CliError('usage', `--classes must be at most 20 (VOC has 20 object classes), got ${opts.classes}`);
        if (opts.maxObjects < opts.minObjects) throw new CliError('usage', '--max-objects must be at least --min-objects');
        if (opts.maxSize < opts.minSize) throw new CliError('usage', '--max-size must be at least --min-size');
        assertPixelCap('--width/--height', opts.width, opts.height);
        assertOwnOutputDir('--out', opts.out, opts.force === true, {
          marker: 'dataset.json',
          field: 'generator',
          prefix: '@objsel/voc-data',
          what: 'a synthetic dataset',
        });
        const { force: _force, ...options } = opts;
        const summary: SyntheticSummary = await withStagedOutputs([opts.out], async (out) => {
          await out.mkdir(opts.out);
          return makeSyntheticDataset(options, out.writer(opts.out), ctx.onProgress);
        });
        ctx.result({ out: opts.out, ...summary }, () =>
          [
            `wrote ${summary.files} files to ${opts.out}: ${summary.count} images (${summary.train} train, ${summary.val} val), ${summary.numClasses} classes (${summary.classes.join(', ')})`,
            `train with: --data-dir ${opts.out} --data-list ${path.join(opts.out, 'train.txt')} --num-classes ${summary.numClasses}`,
          ].join('\n'),
        );
      },
    );
  withExamples(make, [
    'objsel data make-synthetic --out synth --count 200 --seed 1',
    'objsel data make-synthetic --out tiny --count 20 --width 160 --height 120 --min-size 32 --max-size 80 --classes 3',
  ]);
}
