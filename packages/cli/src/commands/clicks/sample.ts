import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  clickSampleToJson,
  createClickRng,
  imageSeed,
  resolveSamplingParams,
  sampleTrainingClicks,
  type NegativeStrategy,
  type SamplingParams,
} from '@objsel/clicks';
import { decodeLabel, extractInstances, joinDataPath, parseList } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { CliError } from '../../errors';
import { withExamples } from '../../examples';
import { numberParser, strategiesFlag } from '../../flags';
import { assertDirectory, readIfExists, readText } from '../../node-fs';
import { assertOutputSeparate } from '../../output-guard';
import { stageOutputs } from '../../staged-outputs';

/** Options of `objsel clicks sample`. */
export interface ClicksSampleOptions {
  dataDir: string;
  dataList: string;
  outDir: string;
  strategies: NegativeStrategy[];
  pairsPerObject: number;
  dMargin?: number;
  dStep?: number;
  d?: number;
  seed: number;
  objectDir: string;
  classDir: string;
}

/** What `objsel clicks sample` reports. */
export interface ClicksSampleResult {
  outDir: string;
  list: string;
  images: number;
  objects: number;
  samples: number;
  /** Images whose instance label was missing (listed, then skipped). */
  missing: string[];
  params: SamplingParams;
}

/**
 * Runs `objsel clicks sample`: Xu et al.'s training clicks for every object of every listed
 * image, one JSON file per sample (object, strategy, pair) plus `clicks.txt` listing them.
 * Sampling is seeded per image from `--seed` and the image id, so any subset reproduces.
 */
export async function runClicksSample(options: ClicksSampleOptions, onProgress?: CliContext['onProgress']): Promise<ClicksSampleResult> {
  const text = await readText(options.dataList);
  const entries = parseList(text, { file: options.dataList, dataDir: options.dataDir });
  const params = resolveSamplingParams({ dMargin: options.dMargin, dStep: options.dStep, d: options.d });
  assertDirectory('--data-dir', options.dataDir);
  assertOutputSeparate('--out-dir', options.outDir, [
    options.dataList,
    joinDataPath(options.dataDir, options.objectDir),
    joinDataPath(options.dataDir, options.classDir),
  ]);
  // An empty selection of work is an error, found before the output directory is made.
  if (!entries.some((e) => existsSync(joinDataPath(options.dataDir, `${options.objectDir}/${e.id}.png`))))
    throw new CliError(
      'usage',
      `none of the ${entries.length} images of ${options.dataList} has a label under ${joinDataPath(options.dataDir, options.objectDir)}`,
    );
  const staged = stageOutputs([options.outDir]);
  const list = path.join(options.outDir, 'clicks.txt');
  await staged.mkdir(options.outDir);
  const files: string[] = [];
  const missing: string[] = [];
  let objects = 0;
  try {
    for (let k = 0; k < entries.length; k++) {
      const entry = entries[k]!;
      const objectFile = joinDataPath(options.dataDir, `${options.objectDir}/${entry.id}.png`);
      const bytes = await readIfExists(objectFile);
      if (!bytes) {
        missing.push(entry.id);
        continue;
      }
      const instances = decodeLabel(bytes, objectFile);
      const classFile = joinDataPath(options.dataDir, `${options.classDir}/${entry.id}.png`);
      const classBytes = await readIfExists(classFile);
      const classLabel = classBytes ? decodeLabel(classBytes, classFile) : undefined;
      if (classLabel && (classLabel.width !== instances.width || classLabel.height !== instances.height)) {
        throw new CliError(
          'usage',
          `class label is ${classLabel.width}x${classLabel.height}, instance label ${instances.width}x${instances.height}`,
          { file: classFile },
        );
      }
      const classes = new Map(
        extractInstances(instances.data, instances.width, instances.height, { classLabel: classLabel?.data, file: objectFile }).map((o) => [
          o.instanceId,
          o.classId,
        ]),
      );
      const samples = sampleTrainingClicks(instances.data, instances.width, instances.height, {
        ...params,
        strategies: options.strategies,
        pairsPerObject: options.pairsPerObject,
        rng: createClickRng(imageSeed(options.seed, entry.id)),
      });
      objects += classes.size;
      const pairIndex = new Map<string, number>();
      for (const sample of samples) {
        const key = `${sample.object}_s${sample.strategy}`;
        const pair = pairIndex.get(key) ?? 0;
        pairIndex.set(key, pair + 1);
        const name = `${entry.id}_${key}_${pair}.json`;
        const json = clickSampleToJson(sample, entry.id, {
          ...params,
          seed: options.seed,
          pair,
          class: classes.get(sample.object) ?? 0,
          positiveStep: sample.groups[0]!.step,
          positiveMargin: sample.groups[0]!.minDistance,
        });
        await staged.write(path.join(options.outDir, name), `${JSON.stringify(json)}\n`);
        files.push(name);
      }
      onProgress?.({ task: 'clicks-sample', done: k + 1, total: entries.length, message: entry.id });
    }
    await staged.write(list, files.length ? `${files.join('\n')}\n` : '');
    await staged.commit();
  } finally {
    staged.discard();
  }
  return { outDir: options.outDir, list, images: entries.length - missing.length, objects, samples: files.length, missing, params };
}

/** `objsel clicks sample`. */
export function registerClicksSample(group: Command, context: () => CliContext): void {
  const sample = group
    .command('sample')
    .description(
      'simulate training clicks (Xu et al. 2016): positives inside each object, negatives by strategies 1-3; one JSON per sample plus clicks.txt',
    )
    .requiredOption('--data-dir <dir>', 'directory the list paths are relative to (the VOCdevkit/VOC2012 folder)')
    .requiredOption('--data-list <file>', 'list of images: ImageSets ids or "/JPEGImages/x.jpg /SegmentationClass/x.png" lines')
    .requiredOption('--out-dir <dir>', 'where the JSON files and clicks.txt go')
    .option(
      '--strategies <list>',
      'negative strategies: 1 band around the object, 2 other objects, 3 band coverage',
      (v: string) => strategiesFlag(v),
      [1, 2, 3] as NegativeStrategy[],
    )
    .option(
      '--pairs-per-object <n>',
      'samples per object and strategy',
      numberParser('--pairs-per-object', { integer: true, min: 1, max: 1000 }),
      3,
    )
    .option(
      '--d-margin <px>',
      'positives at least this far inside the object, strategy-1 negatives this far outside (default 10)',
      numberParser('--d-margin', { min: 0, max: 65536 }),
    )
    .option(
      '--d-step <px>',
      'minimum distance between clicks of a kind (default: the d_step rule on the candidate bounding box)',
      numberParser('--d-step', { min: 0, max: 65536 }),
    )
    .option(
      '--d <px>',
      'strategies 1 and 3 click within this distance of the object (default 20)',
      numberParser('--d', { min: 0, max: 65536 }),
    )
    .option('--seed <n>', 'random seed', numberParser('--seed', { integer: true, min: -(2 ** 31), max: 2 ** 32 - 1 }), 0)
    .option('--object-dir <dir>', 'instance labels under --data-dir', 'SegmentationObject')
    .option('--class-dir <dir>', 'class labels under --data-dir (for the "class" of each object)', 'SegmentationClass')
    .action(async (opts: ClicksSampleOptions) => {
      const ctx = context();
      const result = await runClicksSample(opts, ctx.onProgress);
      for (const id of result.missing) ctx.warn(`${id}: no ${opts.objectDir}/${id}.png, skipped`);
      ctx.result(
        result,
        () =>
          `${result.samples} samples of ${result.objects} objects in ${result.images} images -> ${result.outDir} (list: ${result.list})`,
      );
    });
  withExamples(sample, [
    'objsel clicks sample --data-dir ~/VOCdevkit/VOC2012 --data-list ~/VOCdevkit/VOC2012/ImageSets/Segmentation/train.txt --out-dir clicks',
    'objsel clicks sample --data-dir synth --data-list synth/train.txt --out-dir synth/clicks --strategies 1 --pairs-per-object 5 --seed 7',
  ]);
}
