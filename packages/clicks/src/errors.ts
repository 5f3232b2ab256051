/** Machine-readable reasons a clicks operation failed. */
export type ClicksErrorCode = 'bad-shape' | 'bad-parameter' | 'bad-clicks' | 'io';

/**
 * The one error class of `@objsel/clicks`: a `code`, the `file` involved (if any) and `where`
 * in it (object, click or argument). The CLI prints `message` on one line.
 */
export class ClicksError extends Error {
  /** What went wrong, for programs. */
  readonly code: ClicksErrorCode;
  /** The file involved, if any. */
  readonly file: string | undefined;
  /** Where in the file (object, click or argument), if known. */
  readonly where: string | undefined;

  constructor(code: ClicksErrorCode, message: string, options: { file?: string; where?: string; cause?: unknown } = {}) {
    const place = [options.file, options.where].filter(Boolean).join(': ');
    super(place ? `${place}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClicksError';
    this.code = code;
    this.file = options.file;
    this.where = options.where;
  }
}
