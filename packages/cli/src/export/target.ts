import type { CliContext } from '../context';

/** What `objsel export` hands a target. */
export interface ExportRequest {
  /** `--weights`: anything the weights resolver reads (weights directory, snapshot directory, TF checkpoint). */
  weights: string;
  /** `--out`: the target's output path. */
  out: string;
}

/** What a target reports: the JSON result and its human summary. */
export interface ExportOutcome {
  result: Record<string, unknown>;
  human: string;
}

/** One `--to` target. */
export interface ExportTarget {
  /** One line for `--help`. */
  description: string;
  /** Writes the export; never overwrites an input (see output-guard). */
  run(request: ExportRequest, ctx: CliContext): Promise<ExportOutcome>;
}
