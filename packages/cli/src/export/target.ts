import type { CliContext } from '../context';
import type { StagedOutputs } from '../staged-outputs';

/** What `objsel export` hands a target. */
export interface ExportRequest {
  /** `--weights`: anything the weights resolver reads (weights directory, snapshot directory, TF checkpoint). */
  weights: string;
  /** `--out`: the target's output path. */
  out: string;
  /** `--with-upsampled` (onnx): a second output, the logits resized to the input size. */
  withUpsampled?: boolean;
  /** `--no-attention` sets it false (onnx, DCSP weights): leave out the attention output. */
  attention?: boolean;
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
  /**
   * Writes the export through `out` (its files take their names together when the run succeeds);
   * never overwrites an input (see output-guard).
   */
  run(request: ExportRequest, ctx: CliContext, out: StagedOutputs): Promise<ExportOutcome>;
}
