/**
 * Table keys are byte strings in bytewise order (LevelDB's BytewiseComparator, which TensorFlow's
 * tables use). The index block stores, per data block, a short key that is >= every key of that
 * block and < every key of the next one (`FindShortestSeparator`), and after the last block a
 * short key >= its last key (`FindShortSuccessor`), as `table_builder.cc` computes them.
 */

const utf8 = new TextEncoder();

/** UTF-8 bytes of a string key (tensor names are UTF-8). */
export function keyBytes(key: string | Uint8Array): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}

/** Bytewise comparison: negative, 0 or positive. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A short key k with start <= k < limit (start itself when no shorter one exists). Needs start < limit. */
export function shortestSeparator(start: Uint8Array, limit: Uint8Array): Uint8Array {
  const n = Math.min(start.length, limit.length);
  let i = 0;
  while (i < n && start[i] === limit[i]) i++;
  if (i >= n) return start; // one is a prefix of the other
  const b = start[i]!;
  if (b < 0xff && b + 1 < limit[i]!) {
    const out = start.slice(0, i + 1);
    out[i] = b + 1;
    return out;
  }
  return start;
}

/** A short key >= key: its first byte that is not 0xff, incremented, ends it. */
export function shortSuccessor(key: Uint8Array): Uint8Array {
  for (let i = 0; i < key.length; i++) {
    if (key[i] !== 0xff) {
      const out = key.slice(0, i + 1);
      out[i] = key[i]! + 1;
      return out;
    }
  }
  return key;
}
