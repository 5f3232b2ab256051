import { promises as fs } from 'node:fs';
import path from 'node:path';
import { iouCurveCsv, iouCurveSvg, type IouCurveSeries } from '@objsel/clicks';
import type { Command } from 'commander';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withExamples } from '../examples';
import { assertOutputSeparate } from '../output-guard';
import { writeOutputs } from '../staged-outputs';

function isCurve(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number' && v >= 0 && v <= 1);
}

/**
 * The IoU curve of one saved NoC run: a `noc --json` output (the last `"type":"result"` line;
 * progress lines may precede it), a `--save-curve` JSON file, or any object with `iouCurve`
 * (or, from runs saved before it existed, `meanIouPerClick`). Labelled by its `label`, else by
 * dataset, weights and refinement, else by the file name.
 */
export function readCurveFile(text: string, file: string): IouCurveSeries {
  const lines = text.trim().split('\n');
  const resultLine = [...lines].reverse().find((l) => l.includes('"type":"result"'));
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(resultLine ?? text) as Record<string, unknown>;
  } catch (error) {
    throw new CliError('usage', `not JSON nor a 'noc --json' output (${(error as Error).message})`, { file });
  }
  const curve = value.iouCurve ?? value.meanIouPerClick;
  if (!isCurve(curve)) throw new CliError('usage', 'no iouCurve (or meanIouPerClick) array of IoUs in [0, 1]', { file });
  let label = typeof value.label === 'string' ? value.label : undefined;
  if (!label && typeof value.dataset === 'string') {
    const parts = [value.dataset, typeof value.weights === 'string' ? path.basename(path.resolve(value.weights)) : undefined];
    if (typeof value.refine === 'string') parts.push(`${value.refine}${value.brs ? ' + f-BRS' : ''}`);
    label = parts.filter(Boolean).join(' · ');
  }
  return { label: label ?? path.basename(file, path.extname(file)), curve };
}

/** `objsel noc-plot`: several saved NoC runs' IoU-vs-clicks curves on one SVG plot. */
export function registerNocPlot(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('noc-plot')
    .description("draw the IoU-vs-clicks curves of saved 'noc --json' outputs or --save-curve JSON files on one SVG plot")
    .argument('<runs...>', "saved 'noc --json' outputs or --save-curve .json files")
    .requiredOption('--out <file>', 'the SVG to write')
    .option('--csv <file>', 'also write the curves as CSV (one column per run)')
    .option('--title <text>', 'plot title', 'mIoU after every click')
    .action(async (runs: string[], flags: { out: string; csv?: string; title: string }) => {
      const ctx = context();
      assertOutputSeparate('--out', flags.out, runs);
      if (flags.csv !== undefined) assertOutputSeparate('--csv', flags.csv, runs);
      const series: IouCurveSeries[] = [];
      for (const file of runs) {
        let text: string;
        try {
          text = await fs.readFile(file, 'utf8');
        } catch (error) {
          throw new CliError('io', `cannot read (${(error as { code?: string }).code ?? (error as Error).message})`, {
            file,
            cause: error,
          });
        }
        series.push(readCurveFile(text, file));
      }
      await writeOutputs([[flags.out, iouCurveSvg(series, { title: flags.title })]]);
      if (flags.csv !== undefined) await fs.writeFile(flags.csv, iouCurveCsv(series));
      ctx.result({ out: flags.out, csv: flags.csv, series: series.map((s) => ({ label: s.label, clicks: s.curve.length })) }, () =>
        series
          .map(
            (s) =>
              `${s.label}: ${s.curve.length} clicks, mIoU@1 ${s.curve[0]!.toFixed(4)}, last ${s.curve[s.curve.length - 1]!.toFixed(4)}`,
          )
          .join('\n'),
      );
    });
  withExamples(cmd, [
    'objsel noc --dataset grabcut --data-dir GrabCut --weights snap --json > grabcut.jsonl && objsel noc-plot grabcut.jsonl --out grabcut.svg',
    'objsel noc-plot davis-plain.json davis-graphcut.json --out davis.svg --csv davis.csv --title "DAVIS"',
  ]);
}
