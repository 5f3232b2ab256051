/** Machine-readable reasons a deeplab-resnet operation failed. */
export type DeeplabErrorCode =
  | 'backend-unavailable'
  | 'backend-init-failed'
  | 'bad-weights'
  | 'bad-config'
  | 'bad-input'
  | 'non-finite-loss'
  | 'io';

/**
 * The mark of every @objsel error: a registered symbol, so the same in every @objsel package,
 * bundle and copy. Programs (the CLI) tell objsel's user errors from bugs by it, not by class names.
 */
const OBJSEL_ERROR = Symbol.for('objsel.error');

/** True for an error thrown by any @objsel package (bad input, files, parameters), whatever its class. */
export function isObjselError(error: unknown): error is Error & { readonly code: string } {
  return error instanceof Error && Reflect.get(error, OBJSEL_ERROR) === true;
}

/**
 * The one error class of `@objsel/deeplab-resnet`: a `code`, the `file` involved (if any) and
 * `where` in it (a variable name, a layer, a step). The CLI prints `message` on one line.
 */
export class DeeplabError extends Error {
  /** What went wrong, for programs. */
  readonly code: DeeplabErrorCode;
  /** The file involved, if any. */
  readonly file: string | undefined;
  /** Where in the file or model (layer name, variable, byte offset), if known. */
  readonly where: string | undefined;

  constructor(code: DeeplabErrorCode, message: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    const place = [options.file, options.where].filter(Boolean).join(': ');
    super(place ? `${place}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeeplabError';
    Object.defineProperty(this, OBJSEL_ERROR, { value: true });
    this.code = code;
    this.file = options.file;
    this.where = options.where;
  }
}
