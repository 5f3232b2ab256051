/**
 * A run's directory on the storage every machine sees: `plan.json`, `done/<range>.json` (the
 * results of a job's items, written by the worker that ran them), `failed/<range>.json` (an item
 * that failed all its tries) and, once the run ends, `failed.jsonl`. The files are the truth of a
 * run; Redis only carries the jobs, so a Redis that lost its memory loses nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors';
import { writeOutputs } from '../staged-outputs';
import { type ItemRange, parseRangeName, rangeName } from './chunks';
import type { RunPlan } from './plan';

/** What a job wrote for its items. */
export interface DoneFile {
  range: ItemRange;
  results: unknown[];
  meta: Record<string, unknown>;
}

/** An item that failed every try. */
export interface FailedFile {
  range: ItemRange;
  items: unknown[];
  error: string;
  attempts: number;
}

const planFile = (runDir: string) => path.join(runDir, 'plan.json');

/** Writes the plan unless it is there (the same run submitted again). */
export async function writePlan(runDir: string, plan: RunPlan): Promise<void> {
  if (existsSync(planFile(runDir))) return;
  await writeOutputs([[planFile(runDir), `${JSON.stringify(plan)}\n`]]);
}

/** The plan of a run directory. */
export function readPlan(runDir: string): RunPlan {
  let text: string;
  try {
    text = readFileSync(planFile(runDir), 'utf8');
  } catch {
    throw new CliError('usage', 'not a run directory (no plan.json)', { file: runDir });
  }
  try {
    return JSON.parse(text) as RunPlan;
  } catch {
    throw new CliError('usage', 'plan.json is not JSON', { file: planFile(runDir) });
  }
}

export async function writeDone(runDir: string, done: DoneFile): Promise<void> {
  await writeOutputs([[path.join(runDir, 'done', `${rangeName(done.range)}.json`), JSON.stringify(done)]]);
}

export async function writeFailed(runDir: string, failed: FailedFile): Promise<void> {
  await writeOutputs([[path.join(runDir, 'failed', `${rangeName(failed.range)}.json`), JSON.stringify(failed)]]);
}

/** Marks a chunk as split into single items (its items are queued one by one from now on). */
export async function writeSplit(runDir: string, range: ItemRange): Promise<void> {
  await writeOutputs([[path.join(runDir, 'split', `${rangeName(range)}.json`), JSON.stringify({ range })]]);
}

/** The files of one kind, by range (later reads reuse `cache`). */
function readRanged<T>(dir: string, cache: Map<string, T>): T[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  for (const name of names) {
    if (cache.has(name) || !parseRangeName(name)) continue;
    try {
      cache.set(name, JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as T);
    } catch {
      // Renamed into place whole, so unreadable only if removed meanwhile: read it next time.
    }
  }
  return [...cache.values()];
}

/** Where a run stands: every item's result or failure, if it has one. */
export interface RunState {
  results: Array<unknown | undefined>;
  failures: FailedFile[];
  meta: Record<string, unknown>;
  done: number;
  failed: number;
  /** Items with a result or a failure. */
  covered: boolean[];
  /** Names ({@link rangeName}) of the chunks split into single items. */
  split: Set<string>;
}

/** Parsed files of a run, kept between polls. */
export interface RunStateCache {
  done: Map<string, DoneFile>;
  failed: Map<string, FailedFile>;
  split: Map<string, { range: ItemRange }>;
}

export const newRunStateCache = (): RunStateCache => ({ done: new Map(), failed: new Map(), split: new Map() });

/** Reads a run's state; pass the same `cache` on every poll so each file is parsed once. */
export function readRunState(runDir: string, plan: RunPlan, cache: RunStateCache = newRunStateCache()): RunState {
  const n = plan.items.length;
  const results: Array<unknown | undefined> = new Array(n).fill(undefined);
  const has = new Array<boolean>(n).fill(false);
  const covered = new Array<boolean>(n).fill(false);
  let meta: Record<string, unknown> = {};
  // Each item once: a job re-run after a stall or a retried split writes the same items again.
  for (const d of readRanged(path.join(runDir, 'done'), cache.done)) {
    meta = { ...d.meta, ...meta };
    d.results.forEach((r, k) => {
      const i = d.range.start + k;
      if (i < n && !has[i]) {
        results[i] = r;
        has[i] = true;
        covered[i] = true;
      }
    });
  }
  const failures: FailedFile[] = [];
  for (const f of readRanged(path.join(runDir, 'failed'), cache.failed)) {
    const fresh = [];
    for (let i = f.range.start; i < f.range.end && i < n; i++) if (!has[i]) fresh.push(i);
    if (fresh.length === 0) continue; // a later try succeeded
    failures.push(f);
    for (const i of fresh) covered[i] = true;
  }
  failures.sort((a, b) => a.range.start - b.range.start);
  const done = has.filter(Boolean).length;
  const split = new Set(readRanged(path.join(runDir, 'split'), cache.split).map((m) => rangeName(m.range)));
  return { results, failures, meta, done, failed: covered.filter(Boolean).length - done, covered, split };
}

/** Writes `failed.jsonl`: one line per failed item range, its items and its error. */
export async function writeFailedList(runDir: string, failures: readonly FailedFile[]): Promise<string> {
  const file = path.join(runDir, 'failed.jsonl');
  await writeOutputs([[file, failures.map((f) => `${JSON.stringify(f)}\n`).join('')]]);
  return file;
}
