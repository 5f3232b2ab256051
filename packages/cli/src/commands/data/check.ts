import { VOC_CLASSES, checkDataset, nodeFileSource, parseList, type CheckReport, type VocDataError } from '@objsel/voc-data';
import type { Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { numberParser } from '../../flags';
import { readText } from '../../node-fs';
import { formatBenchmarkCheck, runBenchmarkCheck, type RawBenchmarkCheckFlags } from '../../benchmark-check';
import { CliError } from '../../errors';

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

/** `objsel data check`. */
export function registerDataCheck(data: Command, context: () => CliContext): void {
  const check = data
    .command('check')
    .description(
      'check a list and its files: missing/unreadable files, label form (palette, gray, color), per-class pixel histogram, out-of-range values, greyscale-luminance labels, size mismatches; exit 1 on errors',
    )
    .requiredOption('--data-dir <dir>', 'directory the list paths are relative to (the VOCdevkit/VOC2012 folder)')
    .option(
      '--data-list <file>',
      'list file: "/JPEGImages/x.jpg /SegmentationClassAug/x.png" pairs, image-only lines, DCSP lines, or ImageSets ids',
    )
    .option('--dataset <name>', 'check a downloaded interactive-segmentation benchmark instead of a list: its layout and file counts')
    .option('--expect-images <n>', 'with --dataset: image count to expect instead of the published one')
    .option('--expect-objects <n>', 'with --dataset: object count to expect instead of the published one')
    .option('--num-classes <n>', 'classes including background', numberParser('--num-classes', { integer: true, min: 1 }), 21)
    .option('--concurrency <n>', 'files checked at once', numberParser('--concurrency', { integer: true, min: 1 }), 4)
    .action(async (opts: { dataDir: string; dataList?: string; numClasses: number; concurrency: number } & RawBenchmarkCheckFlags) => {
      const ctx = context();
      if (opts.dataset !== undefined) {
        const report = await runBenchmarkCheck(opts);
        ctx.result(report, () => formatBenchmarkCheck(report));
        if (!report.ok) process.exitCode = 1;
        return;
      }
      if (opts.dataList === undefined)
        throw new CliError('usage', 'data check needs --data-list FILE (a VOC-format list) or --dataset NAME (a benchmark)');
      const dataList = opts.dataList;
      // --json prints exactly one JSON object, so no progress lines then.
      const report = await runDataCheck({ ...opts, dataList }, ctx.options.json ? undefined : ctx.onProgress);
      ctx.result(report, () => formatCheck(report));
      if (report.errors.length > 0) process.exitCode = 1;
    });
  withExamples(check, [
    'objsel data check --data-dir ~/VOCdevkit/VOC2012 --data-list dataset/train.txt',
    'objsel data check --data-dir synth --data-list synth/val.txt --num-classes 6 --json',
    'objsel data check --dataset grabcut --data-dir ~/datasets/GrabCut   # 50 images, 50 objects',
    'objsel data check --dataset sbd --data-dir ~/datasets/SBD/benchmark_RELEASE/dataset --json',
  ]);
}
