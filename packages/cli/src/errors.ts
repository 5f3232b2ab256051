/** Machine-readable reasons the CLI itself rejected a command (bad flags, bad files). */
export type CliErrorCode = 'usage' | 'io' | 'failed';

/**
 * The mark of every @objsel error: a registered symbol, so the same in every @objsel package,
 * bundle and copy. Programs (the CLI) tell objsel's user errors from bugs by it, not by class names.
 */
const OBJSEL_ERROR = Symbol.for('objsel.error');

/** True for an error thrown by any @objsel package (bad input, files, parameters), whatever its class. */
export function isObjselError(error: unknown): error is Error & { readonly code: string } {
  return error instanceof Error && Reflect.get(error, OBJSEL_ERROR) === true;
}

/** The CLI's own error class; like every package error it carries a `code` and a place. */
export class CliError extends Error {
  /** What went wrong, for programs. */
  readonly code: CliErrorCode;
  /** The file involved, if any. */
  readonly file: string | undefined;
  /** The process exit code the CLI uses for this error. */
  readonly exitCode: number;

  constructor(code: CliErrorCode, message: string, options: { file?: string; exitCode?: number; cause?: unknown } = {}) {
    super(options.file ? `${options.file}: ${message}` : message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    Object.defineProperty(this, OBJSEL_ERROR, { value: true });
    this.code = code;
    this.file = options.file;
    this.exitCode = options.exitCode ?? 2;
  }
}

/**
 * True for errors caused by the user's input (files, flags), which get no stack trace: the
 * errors of every @objsel package, recognised by their {@link isObjselError} mark and `code`.
 */
export function isUserError(error: unknown): error is Error & { code: string } {
  return isObjselError(error) && typeof (error as { code?: unknown }).code === 'string';
}

/** Node's file-system errors (ENOENT, EACCES, ...) are user errors too: they name the path. */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && typeof e.path === 'string';
}

/** The one line printed for an error, without a stack. */
export function formatError(error: unknown): string {
  if (isFsError(error)) {
    const what = error.code === 'ENOENT' ? 'no such file or directory' : error.code === 'EACCES' ? 'permission denied' : error.code;
    return `${error.path}: ${what}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}

/** Exit code for an error: the error's own, 2 for user errors, 1 for bugs. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isUserError(error) || isFsError(error)) return 2;
  return 1;
}
