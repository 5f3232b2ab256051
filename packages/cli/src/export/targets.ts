import type { CliContext } from '../context';
import { onnxTarget } from './onnx';

/** The flags of `objsel export` (each target reads the ones it knows). */
export interface ExportFlags {
  weights: string;
  to: string;
  out: string;
  /** `--with-upsampled` (onnx). */
  withUpsampled?: boolean;
  /** `--no-attention` sets it false (onnx, DCSP weights). */
  attention?: boolean;
}

/** What a target reports; printed as JSON with `--json`, else as `summary`. */
export interface ExportResult {
  out: string;
  bytes: number;
  summary: string;
  [key: string]: unknown;
}

/** One `--to` format. */
export interface ExportTarget {
  /** One line for --help. */
  description: string;
  /** Writes `flags.out` (atomically) from the weights at `flags.weights`. */
  run(ctx: CliContext, flags: ExportFlags): Promise<ExportResult>;
}

/** Every `--to` target by name. */
export const EXPORT_TARGETS: Record<string, ExportTarget> = {
  onnx: onnxTarget,
};
