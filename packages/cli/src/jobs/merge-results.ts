/**
 * `objsel merge evaluate RESULT...`: the shards' `--json` result lines (or run directories)
 * merged by the same summary the queue uses: confusion matrices summed, figures recomputed.
 */
import { readFileSync, statSync } from 'node:fs';
import { CliError } from '../errors';
import { type EvaluationPart, evaluationSummary } from './evaluate-job';
import { jobKind } from './kinds';
import { readPlan, readRunState } from './run-dir';

/** The result object of a `--json` output file: its last `"type":"result"` line, or the file as one JSON object. */
export function readResultFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError('io', `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { file, cause: error });
  }
  const lines = text.split('\n').filter((l) => l.trim().startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      const value = JSON.parse(line) as Record<string, unknown>;
      if (value.type === 'result' || lines.length === 1) return value;
    } catch {
      // Not a JSON line.
    }
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new CliError('usage', "no result line: expected the output of the command's --json run", { file });
  }
}

/** A shard's result, or a run directory's summary. */
export async function readPart(file: string): Promise<Record<string, unknown>> {
  let dir = false;
  try {
    dir = statSync(file).isDirectory();
  } catch {
    // Reported by readResultFile.
  }
  if (!dir) return readResultFile(file);
  const plan = readPlan(file);
  const state = readRunState(file, plan);
  if (state.done + state.failed < plan.items.length) throw new CliError('usage', 'the run is not finished', { file });
  const kind = await jobKind(plan.command);
  return kind.summarise(
    plan.settings,
    state.results.filter((r) => r !== undefined),
    state.meta,
  );
}

/** Merges evaluate results: the sum of their confusion matrices, the figures of the whole. */
export async function mergeEvaluate(files: readonly string[]): Promise<Record<string, unknown>> {
  const parts = await Promise.all(files.map(readPart));
  const shards = new Set<string>();
  parts.forEach((p, k) => {
    if (!Array.isArray(p.confusionMatrix)) throw new CliError('usage', 'not an evaluate result (no confusionMatrix)', { file: files[k] });
    const shard = p.shard as { index: number; count: number } | undefined;
    if (shard) {
      const key = `${shard.index}/${shard.count}`;
      if (shards.has(key)) throw new CliError('usage', `shard ${key} is given twice: its images would count twice`, { file: files[k] });
      shards.add(key);
    }
  });
  const merged = await evaluationSummary(parts as unknown as EvaluationPart[]);
  const first = parts[0]!;
  return { ...merged, weights: first.weights, dataList: first.dataList, backend: first.backend, merged: files.length };
}

/** The shard a part says it is, refused when an earlier part was the same shard (its items would count twice). */
export function shardSeen(seen: Set<string>, part: Record<string, unknown>, file: string | undefined, what: string): void {
  const shard = part.shard as { index: number; count: number } | undefined;
  if (!shard) return;
  const key = `${shard.index}/${shard.count}`;
  if (seen.has(key)) throw new CliError('usage', `shard ${key} is given twice: its ${what} would count twice`, { file });
  seen.add(key);
}
