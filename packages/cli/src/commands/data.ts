import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  VOC_CLASSES,
  checkDataset,
  encodeIndexPng,
  encodePng,
  makeSyntheticDataset,
  nodeFileSource,
  parseList,
  readSbdLabel,
  type CheckReport,
  type SyntheticSummary,
  type VocDataError,
} from '@objsel/voc-data';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { numberParser } from '../flags';
import { directoryWriter, readText } from '../node-fs';

/** Options of `objsel data check`. */
export interface DataCheckOptions {
  dataDir: string;
  dataList: string;
  numClasses: number;
  concurrency: number;
}

/** Runs `data check`: parses the list (collecting bad lines) and checks every entry. */
export async function runDataCheck(options: DataCheckOptions, onProgress?: CliContext['onProgress']): Promise<CheckReport> {
  const text = await readText(options.dataList);
  const listErrors: VocDataError[] = [];
  const entries = parseList(text, { file: options.dataList, dataDir: options.dataDir, onBadLine: (e) => listErrors.push(e) });
  const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trim().startsWith('#')).length;
  return checkDataset(entries, nodeFileSource(), {
    numClasses: options.numClasses,
    concurrency: options.concurrency,
    listErrors,
    lines,
    ...(onProgress ? { onProgress } : {}),
  });
}

/** The human summary of a check report. */
export function formatCheck(report: CheckReport): string {
  const total = report.histogram.reduce((a, b) => a + b, 0) + report.ignored;
  const pct = (v: number) => (total > 0 ? `${((100 * v) / total).toFixed(2)}%` : '-');
  const lines = [
    `entries   ${report.entries}`,
    `labels    palette ${report.labelForms.palette}, gray ${report.labelForms.gray}, color ${report.labelForms.color}`,
    'pixels per class:',
    ...report.histogram.map(
      (v, c) => `  ${String(c).padStart(3)} ${(VOC_CLASSES[c] ?? `class ${c}`).padEnd(12)} ${String(v).padStart(12)}  ${pct(v)}`,
    ),
    `  255 ${'ignore'.padEnd(12)} ${String(report.ignored).padStart(12)}  ${pct(report.ignored)}`,
  ];
  const show = (kind: string, list: CheckReport['errors']) => {
    if (list.length === 0) return;
    lines.push(`${kind} (${list.length}):`);
    for (const p of list.slice(0, 50)) lines.push(`  line ${p.line}: ${p.problem}: ${p.message}`);
    if (list.length > 50) lines.push(`  ... ${list.length - 50} more (use --json for all)`);
  };
  show('errors', report.errors);
  show('warnings', report.warnings);
  lines.push(report.errors.length === 0 ? 'ok: no errors' : `FAILED: ${report.errors.length} error(s)`);
  return lines.join('\n');
}

/** Options of `objsel data sbd-to-png`. */
export interface SbdToPngOptions {
  dataDir: string;
  kind: 'cls' | 'inst';
  out?: string;
  format: 'gray' | 'palette';
  dataList?: string;
}

/** Result of `data sbd-to-png`. */
export interface SbdToPngResult {
  converted: number;
  out: string;
  failures: Array<{ file: string; message: string }>;
}

/** Converts SBD `cls/*.mat` or `inst/*.mat` to index PNGs (all files, or the ids of a list). */
export async function runSbdToPng(options: SbdToPngOptions, onProgress?: CliContext['onProgress']): Promise<SbdToPngResult> {
  const inDir = path.join(options.dataDir, options.kind);
  const out = options.out ?? path.join(options.dataDir, options.kind === 'cls' ? 'SegmentationClassAug' : 'SegmentationObjectAug');
  let ids: string[];
  if (options.dataList) {
    const text = await readText(options.dataList);
    ids = text
      .split(/\r?\n/)
      .map((l) => l.trim().split(/\s+/)[0] ?? '')
      .filter((t) => t && !t.startsWith('#'))
      .map((t) => path.basename(t).replace(/\.[^.]*$/, ''));
  } else {
    ids = (await fs.readdir(inDir))
      .filter((f) => f.endsWith('.mat'))
      .map((f) => f.slice(0, -4))
      .sort();
  }
  await fs.mkdir(out, { recursive: true });
  const failures: SbdToPngResult['failures'] = [];
  let converted = 0;
  for (const [i, id] of ids.entries()) {
    const file = path.join(inDir, `${id}.mat`);
    try {
      const label = readSbdLabel(new Uint8Array(await fs.readFile(file)), file);
      const png =
        options.format === 'palette'
          ? encodeIndexPng(label.data, label.width, label.height)
          : encodePng({ width: label.width, height: label.height, channels: 1, data: label.data });
      await fs.writeFile(path.join(out, `${id}.png`), png);
      converted++;
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { file?: string };
      failures.push({ file, message: e.code === 'ENOENT' ? `${file}: no such file` : e.message });
    }
    onProgress?.({ task: 'sbd-to-png', done: i + 1, total: ids.length });
  }
  return { converted, out, failures };
}

/** `objsel data`: check, make-synthetic, sbd-to-png. */
export function registerData(program: Command, context: () => CliContext): void {
  const data = program
    .command('data')
    .description('PASCAL VOC / SBD datasets: check labels, make synthetic VOC-format data, convert SBD .mat labels');
  withExamples(data, [
    'objsel data check --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt',
    'objsel data make-synthetic --out synth --count 200 --seed 1',
    'objsel data sbd-to-png --data-dir benchmark_RELEASE/dataset',
  ]);

  const check = data
    .command('check')
    .description(
      'check a list and its files: missing/unreadable files, label form (palette, gray, color), per-class pixel histogram, out-of-range values, greyscale-luminance labels, size mismatches; exit 1 on errors',
    )
    .requiredOption('--data-dir <dir>', 'directory the list paths are relative to (the VOCdevkit/VOC2012 folder)')
    .requiredOption(
      '--data-list <file>',
      'list file: "/JPEGImages/x.jpg /SegmentationClassAug/x.png" pairs, image-only lines, DCSP lines, or ImageSets ids',
    )
    .option('--num-classes <n>', 'classes including background', numberParser('--num-classes', { integer: true, min: 1 }), 21)
    .option('--concurrency <n>', 'files checked at once', numberParser('--concurrency', { integer: true, min: 1 }), 4)
    .action(async (opts: { dataDir: string; dataList: string; numClasses: number; concurrency: number }) => {
      const ctx = context();
      // --json prints exactly one JSON object, so no progress lines then.
      const report = await runDataCheck(opts, ctx.options.json ? undefined : ctx.onProgress);
      ctx.result(report, () => formatCheck(report));
      if (report.errors.length > 0) process.exitCode = 1;
    });
  withExamples(check, [
    'objsel data check --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt',
    'objsel data check --data-dir synth --data-list synth/val.txt --num-classes 6 --json',
  ]);

  const make = data
    .command('make-synthetic')
    .description(
      'write a synthetic VOC-format dataset (JPEGImages, SegmentationClass/ClassAug/Object, Annotations, ImageSets, seed list files, DCSP ClassCategories and Saliency, SBD cls/inst .mat) that every pipeline can train on without downloads',
    )
    .requiredOption('--out <dir>', 'output directory (becomes --data-dir)')
    .option('--count <n>', 'images', numberParser('--count', { integer: true, min: 1 }), 200)
    .option('--seed <n>', 'random seed (same seed, same bytes)', numberParser('--seed', { integer: true, min: 0 }), 1234)
    .option('--width <px>', 'image width', numberParser('--width', { integer: true, min: 1 }), 320)
    .option('--height <px>', 'image height', numberParser('--height', { integer: true, min: 1 }), 240)
    .option('--classes <n>', 'object classes (VOC ids 1..n, at most 20)', numberParser('--classes', { integer: true, min: 1 }), 5)
    .option('--min-objects <n>', 'fewest objects per image', numberParser('--min-objects', { integer: true, min: 1 }), 1)
    .option('--max-objects <n>', 'most objects per image', numberParser('--max-objects', { integer: true, min: 1 }), 3)
    .option('--min-size <px>', 'smallest object size', numberParser('--min-size', { integer: true, min: 1 }), 64)
    .option('--max-size <px>', 'largest object size', numberParser('--max-size', { integer: true, min: 1 }), 160)
    .option('--val-fraction <f>', 'fraction of images in val', numberParser('--val-fraction', { min: 0, max: 1, maxExclusive: true }), 0.2)
    .option(
      '--void-border <px>',
      'width of the 255 band along object boundaries (0 = none)',
      numberParser('--void-border', { integer: true, min: 0 }),
      2,
    )
    .option('--no-sbd', 'skip the SBD-style cls/ and inst/ .mat files')
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
      }) => {
        const ctx = context();
        if (opts.classes > 20) throw new CliError('usage', `--classes must be at most 20 (VOC has 20 object classes), got ${opts.classes}`);
        if (opts.maxObjects < opts.minObjects) throw new CliError('usage', '--max-objects must be at least --min-objects');
        if (opts.maxSize < opts.minSize) throw new CliError('usage', '--max-size must be at least --min-size');
        const summary: SyntheticSummary = await makeSyntheticDataset({ ...opts }, directoryWriter(opts.out), ctx.onProgress);
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

  const sbd = data
    .command('sbd-to-png')
    .description("convert SBD's MATLAB labels (cls/*.mat GTcls, inst/*.mat GTinst) to index PNGs (SegmentationClassAug)")
    .requiredOption('--data-dir <dir>', 'SBD dataset directory holding cls/ and inst/ (benchmark_RELEASE/dataset)')
    .addOption(new Option('--kind <kind>', 'which labels').choices(['cls', 'inst']).default('cls'))
    .option('--out <dir>', 'output directory (default <data-dir>/SegmentationClassAug, or SegmentationObjectAug for inst)')
    .addOption(
      new Option('--format <format>', 'gray index PNGs (as SegmentationClassAug) or palettised')
        .choices(['gray', 'palette'])
        .default('gray'),
    )
    .option('--data-list <file>', 'convert only the ids of this list (first column; e.g. train.txt)')
    .action(async (opts: SbdToPngOptions) => {
      const ctx = context();
      const result = await runSbdToPng(opts, ctx.onProgress);
      ctx.result(result, () =>
        [
          `converted ${result.converted} ${opts.kind} labels to ${result.out}`,
          ...result.failures.slice(0, 50).map((f) => `  failed: ${f.message}`),
          ...(result.failures.length > 50 ? [`  ... ${result.failures.length - 50} more`] : []),
        ].join('\n'),
      );
      if (result.failures.length > 0) process.exitCode = 1;
    });
  withExamples(sbd, [
    'objsel data sbd-to-png --data-dir benchmark_RELEASE/dataset',
    'objsel data sbd-to-png --data-dir benchmark_RELEASE/dataset --kind inst --format palette --out SegmentationObjectAug',
  ]);
}
