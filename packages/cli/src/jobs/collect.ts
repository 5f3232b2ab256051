/**
 * `objsel collect RUN`: the result of a finished run from its directory alone (no Redis): the
 * items' results through the command's own summary, the failures in `RUN/failed.jsonl`.
 */
import path from 'node:path';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { jobKind } from './kinds';
import { readPlan, readRunState, writeFailedList } from './run-dir';
import { printOutcome } from './run-job';

/** Prints the run's result; a run with failed items ends with the failure line and exit code 1. */
export async function collectRun(ctx: CliContext, runDir: string): Promise<void> {
  const plan = readPlan(runDir);
  const state = readRunState(runDir, plan);
  const total = plan.items.length;
  if (state.done + state.failed < total)
    throw new CliError(
      'usage',
      `${runDir} is not finished: ${state.done} of ${total} items done, ${state.failed} failed (objsel status ${runDir} --redis URL)`,
    );
  const kind = await jobKind(plan.command);
  if (state.done > 0) {
    const results = state.results.filter((r, i) => r !== undefined && state.covered[i]);
    printOutcome(ctx, kind, await kind.summarise(plan.settings, results, state.meta));
  }
  if (state.failed > 0) {
    const file = await writeFailedList(runDir, state.failures);
    throw new CliError('failed', `done ${state.done}, failed ${state.failed}: see ${path.relative(process.cwd(), file) || file}`, {
      exitCode: 1,
    });
  }
}
