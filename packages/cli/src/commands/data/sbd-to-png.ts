import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeIndexPng, encodePng, readSbdLabel } from '@objsel/voc-data';
import { Option, type Command } from 'commander';
import type { CliContext } from '../../context';
import { withExamples } from '../../examples';
import { CliError } from '../../errors';
import { assertDirectory, readText } from '../../node-fs';
import { assertOutputSeparate } from '../../output-guard';
import { stageOutputs } from '../../staged-outputs';

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
  assertDirectory('--data-dir', options.dataDir);
  assertOutputSeparate('--out', out, [inDir, options.dataList]);
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
  if (ids.length === 0)
    throw new CliError('usage', `no .mat file to convert in ${inDir}${options.dataList ? ` for the ids of ${options.dataList}` : ''}`);
  const staged = stageOutputs([out]);
  await staged.mkdir(out);
  const failures: SbdToPngResult['failures'] = [];
  let converted = 0;
  try {
    for (const [i, id] of ids.entries()) {
      const file = path.join(inDir, `${id}.mat`);
      try {
        const label = readSbdLabel(new Uint8Array(await fs.readFile(file)), file);
        const png =
          options.format === 'palette'
            ? encodeIndexPng(label.data, label.width, label.height)
            : encodePng({ width: label.width, height: label.height, channels: 1, data: label.data });
        await staged.write(path.join(out, `${id}.png`), png);
        converted++;
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { file?: string };
        failures.push({ file, message: e.code === 'ENOENT' ? `${file}: no such file` : e.message });
      }
      onProgress?.({ task: 'sbd-to-png', done: i + 1, total: ids.length });
    }
    await staged.commit();
  } finally {
    staged.discard();
  }
  return { converted, out, failures };
}

/** `objsel data sbd-to-png`. */
export function registerDataSbdToPng(data: Command, context: () => CliContext): void {
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
