import path from 'node:path';
import type { CliContext } from '../../context';
import { writeOutputs } from '../../staged-outputs';
import type { DemoOptions, DemoState, DemoStep } from './state';
import { DEMO_STEPS } from './steps';

/**
 * Runs every demo step, printing each one's summary; writes `summary.json`; returns all results by
 * step name. Each step's files go through staged outputs, so a killed demo leaves no half-written
 * file, and a new run replaces what an earlier one left.
 */
export async function runDemo(options: DemoOptions, ctx: CliContext, steps: DemoStep[] = DEMO_STEPS): Promise<Record<string, unknown>> {
  const started = performance.now();
  const state: DemoState = { options, ctx };
  const results: Record<string, unknown> = {};
  const seconds: Record<string, number> = {};
  try {
    for (const [i, step] of steps.entries()) {
      ctx.info(`== demo step ${i + 1}/${steps.length}: ${step.name}`);
      const t0 = performance.now();
      const { result, human } = await step.run(state);
      seconds[step.name] = Number(((performance.now() - t0) / 1000).toFixed(2));
      results[step.name] = result;
      ctx.info(human);
    }
  } finally {
    state.network?.dispose();
  }
  const summary = {
    miou: state.evaluation?.miou ?? null,
    perClassIoU: state.evaluation?.perClassIoU ?? null,
    steps: state.training?.steps ?? null,
    seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    stepSeconds: seconds,
    trainImagesPerSecond: state.training?.imagesPerSecond ?? null,
    backend: state.backend ?? null,
    seed: options.seed,
    dataset: results.data ?? null,
    model: (results.train as { model?: unknown } | undefined)?.model ?? null,
    checkpoint: state.training?.checkpoint ?? null,
    masks: (results.masks as { masks?: unknown } | undefined)?.masks ?? null,
    noc: (results.interactive as { noc?: unknown } | undefined)?.noc ?? null,
    dcsp: results.dcsp ?? null,
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
  };
  await writeOutputs([[path.join(options.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`]]);
  results.summary = summary;
  return results;
}
