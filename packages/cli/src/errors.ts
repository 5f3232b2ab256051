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

/** What the common file-system error codes mean, in the CLI's one-line messages. */
const FS_ERROR_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, expected a file',
  ENOTDIR: 'a part of the path is not a directory',
};

/**
 * Node's file-system errors (ENOENT, EACCES, ...) are user errors too: they name the path. EISDIR
 * counts without a path as well: Node's reads omit it, and it is always a directory where the
 * user named a file.
 */
export function isFsError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return (
    e instanceof Error && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) && (typeof e.path === 'string' || e.code === 'EISDIR')
  );
}

/** The one line printed for an error, without a stack. */
export function formatError(error: unknown): string {
  if (isFsError(error)) {
    const what = FS_ERROR_WORDS[error.code!] ?? error.code;
    return printable(error.path === undefined ? `a file could not be read: ${what}` : `${error.path}: ${what}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return printable(message.replace(/\s*\n\s*/g, ' '));
}

/** Control characters, U+FFFD and lone surrogates: what must not reach a terminal raw. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The longest error line printed; a message quoting a whole bad file is cut here. */
export const MAX_ERROR_LENGTH = 400;

/**
 * One printable line: control characters, lone surrogates and U+FFFD (what undecodable bytes
 * become) escaped as `\xNN`/`\uNNNN`, so bytes of a bad input quoted in a message can neither
 * break the line nor drive the terminal; cut to {@link MAX_ERROR_LENGTH} characters.
 */
export function printable(text: string): string {
  const escaped = text.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  if (escaped.length <= MAX_ERROR_LENGTH) return escaped;
  // Never cut a surrogate pair in half.
  const end = /[\ud800-\udbff]/.test(escaped[MAX_ERROR_LENGTH - 2]!) ? MAX_ERROR_LENGTH - 2 : MAX_ERROR_LENGTH - 1;
  return `${escaped.slice(0, end)}…`;
}

/** Exit code for an error: the error's own, 2 for user errors, 1 for bugs. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (isUserError(error) || isFsError(error)) return 2;
  return 1;
}
