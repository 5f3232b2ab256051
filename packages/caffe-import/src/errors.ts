/** Machine-readable reasons a caffe-import operation failed. */
export type CaffeImportErrorCode =
  | 'truncated'
  | 'bad-wire-type'
  | 'bad-length'
  | 'bad-text'
  | 'not-caffe'
  | 'shape-mismatch'
  | 'mismatch'
  | 'missing-blobs'
  | 'bad-graph'
  | 'missing-scale'
  | 'unsupported'
  | 'bad-weights'
  | 'io'
  // TensorFlow checkpoints (src/tf-checkpoint/):
  | 'bad-checksum'
  | 'not-table'
  | 'bad-table'
  | 'bad-checkpoint'
  | 'missing-file';

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
 * The one error class of `@objsel/caffe-import`: a `code`, the `file` involved (if any) and `where`
 * in it (byte offset, line:column or layer name). The CLI prints `message` on one line.
 */
export class CaffeImportError extends Error {
  /** What went wrong, for programs. */
  readonly code: CaffeImportErrorCode;
  /** The file involved, if any. */
  readonly file: string | undefined;
  /** Where in the file (byte offset, line:column or layer name), if known. */
  readonly where: string | undefined;
  /** The message without the file and place prefix. */
  readonly detail: string;

  constructor(code: CaffeImportErrorCode, message: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    const place = [options.file, options.where].filter(Boolean).join(': ');
    super(place ? `${place}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CaffeImportError';
    Object.defineProperty(this, OBJSEL_ERROR, { value: true });
    this.code = code;
    this.file = options.file;
    this.where = options.where;
    this.detail = message;
  }

  /** The same error naming `file` (used when a bytes-level parser's error reaches file level). */
  withFile(file: string): CaffeImportError {
    if (this.file !== undefined) return this;
    const where = this.where === undefined ? {} : { where: this.where };
    return new CaffeImportError(this.code, this.detail, { file, ...where, cause: this.cause });
  }
}
