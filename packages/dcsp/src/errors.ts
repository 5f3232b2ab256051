/** Machine-readable reasons a dcsp operation failed. */
export type DcspErrorCode = 'bad-input' | 'bad-config' | 'io' | 'non-finite-loss';

/**
 * The one error class of `@objsel/dcsp`: a `code`, the `file` involved (if any) and `where`
 * in it (line, image or step). The CLI prints `message` on one line.
 */
export class DcspError extends Error {
  /** What went wrong, for programs. */
  readonly code: DcspErrorCode;
  /** The file involved, if any. */
  readonly file: string | undefined;
  /** Where in the file (line, image or step), if known. */
  readonly where: string | undefined;

  constructor(code: DcspErrorCode, message: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    const place = [options.file, options.where].filter(Boolean).join(': ');
    super(place ? `${place}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DcspError';
    this.code = code;
    this.file = options.file;
    this.where = options.where;
  }
}
