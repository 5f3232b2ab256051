import { CliError } from './errors';
import { BarRenderer, JsonLinesRenderer, SilentRenderer, TextLinesRenderer, type ProgressEvent, type ProgressRenderer } from './progress';

/** The global flags every command sees. */
export interface GlobalOptions {
  /** `auto|tensorflow|webgpu|wasm|cpu`, or `onnx` (ONNX Runtime, for the inference commands). */
  backend: string;
  /** JSON-lines events on stdout instead of progress bars. */
  json: boolean;
  /** Nothing but errors (and, with `json`, the result line). */
  quiet: boolean;
}

/** Streams the CLI writes to; tests pass their own. */
export interface CliStreams {
  stdout: { write(text: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * What a command gets: its global options, progress rendering, output helpers and the
 * TensorFlow.js backend (loaded on first use, so commands that need no TF.js start fast).
 */
export class CliContext {
  readonly progress: ProgressRenderer;

  constructor(
    readonly options: GlobalOptions,
    readonly streams: CliStreams,
  ) {
    if (options.quiet) this.progress = new SilentRenderer();
    else if (options.json) this.progress = new JsonLinesRenderer(streams.stdout);
    else if (streams.stderr.isTTY) this.progress = new BarRenderer(streams.stderr);
    else this.progress = new TextLinesRenderer(streams.stderr);
  }

  /** A callback to hand to library functions that report progress. */
  readonly onProgress = (event: ProgressEvent): void => this.progress.update(event);

  /** An informational line on stderr (suppressed by `--quiet` and `--json`). */
  info(text: string): void {
    if (this.options.quiet || this.options.json) return;
    this.progress.finish();
    this.streams.stderr.write(`${text}\n`);
  }

  /** A warning on stderr (kept under `--json` as a JSON line, dropped by `--quiet`). */
  warn(text: string): void {
    if (this.options.quiet) return;
    this.progress.finish();
    if (this.options.json) this.streams.stdout.write(`${JSON.stringify({ type: 'warning', message: text })}\n`);
    else this.streams.stderr.write(`warning: ${text}\n`);
  }

  /** A command's result: JSON on stdout with `--json`, else the human text (none with `--quiet`). */
  result(value: unknown, human: () => string): void {
    this.progress.finish();
    if (this.options.json) this.streams.stdout.write(`${JSON.stringify({ type: 'result', ...(value as object) })}\n`);
    else if (!this.options.quiet) this.streams.stdout.write(`${human()}\n`);
  }

  private backendName: string | undefined;

  /** True with `--backend onnx`: the inference commands run ONNX Runtime instead of TF.js. */
  get onnx(): boolean {
    return this.options.backend === 'onnx';
  }

  /**
   * Loads TensorFlow.js (tfjs-core with all gradients and chained ops) and activates `--backend`; returns the
   * active backend's name. Safe to call more than once.
   *
   * @throws CliError `usage` with `--backend onnx`: only the inference commands run on ONNX Runtime.
   */
  async useBackend(): Promise<string> {
    if (this.onnx) {
      throw new CliError(
        'usage',
        '--backend onnx runs infer, evaluate, select and noc; this command needs TensorFlow.js (--backend auto, tensorflow, webgpu, wasm or cpu)',
      );
    }
    return this.loadTfjs(this.options.backend);
  }

  /** TF.js for exporting a network (an ONNX cache miss): `--backend`, or `auto` under `--backend onnx`. */
  useExportBackend(): Promise<string> {
    return this.loadTfjs(this.onnx ? 'auto' : this.options.backend);
  }

  private async loadTfjs(name: string): Promise<string> {
    if (this.backendName) return this.backendName;
    const tf = await import('@tensorflow/tfjs-core');
    await import('./tfjs-registrations');
    tf.enableProdMode();
    const { loadBackend } = await import('@objsel/deeplab-resnet');
    const loaded = await loadBackend(name as never);
    for (const note of loaded.notes) if (!/^(tensorflow|webgpu):/.test(note)) this.warn(note);
    this.backendName = loaded.name;
    return loaded.name;
  }
}
