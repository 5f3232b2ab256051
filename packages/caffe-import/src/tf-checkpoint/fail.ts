/**
 * The typed errors of the TensorFlow checkpoint readers and writers: the package's one error
 * class, naming the file and the place (byte offset, block, tensor name).
 */
import { CaffeImportError, type CaffeImportErrorCode } from '../errors';

/** A {@link CaffeImportError} with `file` and `where` when known. */
export function ckptError(code: CaffeImportErrorCode, message: string, file: string | undefined, where?: string): CaffeImportError {
  return new CaffeImportError(code, message, {
    ...(file === undefined ? {} : { file }),
    ...(where === undefined ? {} : { where }),
  });
}

const utf8 = new TextDecoder('utf-8');
const printable = /^[\x20-\x7e]*$/;

/** A table key for messages: the text if printable, else its bytes in hex. */
export function showKey(key: Uint8Array): string {
  const text = utf8.decode(key);
  if (printable.test(text)) return JSON.stringify(text);
  return `0x${Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
