/** `objsel data check --dataset X`: a downloaded benchmark against its published file counts. */
import { BENCHMARK_NAMES, checkBenchmark, nodeDatasetDirectory, type BenchmarkCheck } from '@objsel/voc-data';
import { CliError } from './errors';
import { choiceFlag, numberFlag } from './flags';
import { assertDirectory } from './node-fs';

/** The benchmark flags of `data check`. */
export interface RawBenchmarkCheckFlags {
  dataset: string;
  dataDir: string;
  dataList?: string;
  expectImages?: string;
  expectObjects?: string;
}

/** Checks the flags and the copy under `--data-dir`. */
export async function runBenchmarkCheck(flags: RawBenchmarkCheckFlags): Promise<BenchmarkCheck> {
  const dataset = choiceFlag('--dataset', flags.dataset, BENCHMARK_NAMES);
  if (flags.dataList !== undefined)
    throw new CliError('usage', `--data-list is for VOC-format lists; --dataset ${dataset} finds its files under --data-dir`);
  assertDirectory('--data-dir', flags.dataDir);
  const expected: { images?: number; objects?: number } = {};
  if (flags.expectImages !== undefined)
    expected.images = numberFlag('--expect-images', flags.expectImages, { integer: true, min: 0, max: 10_000_000 });
  if (flags.expectObjects !== undefined)
    expected.objects = numberFlag('--expect-objects', flags.expectObjects, { integer: true, min: 0, max: 10_000_000 });
  return checkBenchmark(dataset, nodeDatasetDirectory(), flags.dataDir, { expected });
}

/** The human summary: counts against the expected ones, then the problems. */
export function formatBenchmarkCheck(r: BenchmarkCheck): string {
  const count = (found: number | undefined, want: number | undefined) => `${found ?? '?'}${want !== undefined ? ` of ${want}` : ''}`;
  const lines = [
    `${r.dataset} under ${r.root}`,
    `images    ${count(r.images, r.expected.images)}`,
    `objects   ${count(r.objects, r.expected.objects)}`,
  ];
  for (const p of r.problems) lines.push(`  ${p}`);
  lines.push(r.ok ? 'ok: the copy is complete' : `FAILED: ${r.problems.length} problem(s)`);
  return lines.join('\n');
}
