import { unzlibSync } from 'fflate';

/** Inflates a zlib stream; `expected` is the size the caller needs (a cap against bombs). */
export type Inflate = (data: Uint8Array, expected: number) => Uint8Array;

type NodeZlib = { inflateSync(data: Uint8Array, options?: { maxOutputLength?: number }): Uint8Array };

/**
 * Node's native zlib when running under Node (about 5× faster than pure JS on label PNGs),
 * reached synchronously through `process.getBuiltinModule` so no import ever names `node:zlib`;
 * elsewhere fflate.
 */
function pickInflate(): Inflate {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const zlib = proc?.getBuiltinModule?.('node:zlib') as NodeZlib | undefined;
  if (zlib && typeof zlib.inflateSync === 'function') {
    return (data, expected) => {
      const out = zlib.inflateSync(data, { maxOutputLength: Math.max(64, expected + 1024) });
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    };
  }
  return (data, expected) => unzlibSync(data, { out: new Uint8Array(expected) });
}

let current: Inflate | undefined;

/** The inflater in use (native zlib in Node, fflate elsewhere). */
export function inflate(data: Uint8Array, expected: number): Uint8Array {
  current ??= pickInflate();
  return current(data, expected);
}

/** Forces the pure-JS inflater (`'fflate'`) or restores the automatic choice (`'auto'`); for tests and benchmarks. */
export function setInflateImplementation(which: 'auto' | 'fflate'): void {
  current = which === 'fflate' ? (data, expected) => unzlibSync(data, { out: new Uint8Array(expected) }) : pickInflate();
}
