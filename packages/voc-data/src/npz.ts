import { unzipSync, zipSync, type Zippable } from 'fflate';
import { VocDataError } from './errors';
import { readNpy, writeNpy, type NdArray, type NdArrayLike } from './npy';

/**
 * Reads a NumPy `.npz` (a zip of `.npy` files, stored by `np.savez` or deflated by
 * `np.savez_compressed`); keys are the member names without `.npy` (e.g. DCSP's `actv`).
 */
export function readNpz(bytes: Uint8Array, file?: string): Map<string, NdArray> {
  let members: Record<string, Uint8Array>;
  try {
    members = unzipSync(bytes);
  } catch (error) {
    throw new VocDataError('bad-npy', `not a readable .npz zip archive (${(error as Error).message})`, { file, cause: error });
  }
  const out = new Map<string, NdArray>();
  for (const [name, content] of Object.entries(members)) {
    if (name.endsWith('/')) continue;
    const key = name.endsWith('.npy') ? name.slice(0, -4) : name;
    try {
      out.set(key, readNpy(content, file));
    } catch (error) {
      if (error instanceof VocDataError)
        throw new VocDataError('bad-npy', error.message.replace(`${file}: `, ''), { file, where: name, cause: error });
      throw error;
    }
  }
  return out;
}

/**
 * Writes arrays as a `.npz` that `np.load` opens; members are stored (`np.savez`) unless
 * `compress` is set (`np.savez_compressed`, deflate).
 */
export function writeNpz(arrays: Record<string, NdArrayLike>, options: { compress?: boolean } = {}): Uint8Array {
  const files: Zippable = {};
  for (const [name, array] of Object.entries(arrays)) files[`${name}.npy`] = [writeNpy(array), { level: options.compress ? 6 : 0 }];
  return zipSync(files, { mtime: new Date(1980, 0, 1, 0, 0, 0) });
}
