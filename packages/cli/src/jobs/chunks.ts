/** How a run's items are cut: contiguous chunks for queue jobs, contiguous blocks for shards. */

/** A half-open range of item indices `[start, end)`. */
export interface ItemRange {
  start: number;
  end: number;
}

/** `n` items in chunks of `size` (the last may be shorter). */
export function chunkRanges(n: number, size: number): ItemRange[] {
  const out: ItemRange[] = [];
  for (let start = 0; start < n; start += size) out.push({ start, end: Math.min(n, start + size) });
  return out;
}

/** Shard `index` of `count` over `n` items: contiguous and balanced (sizes differ by at most one). */
export function shardRange(n: number, index: number, count: number): ItemRange {
  return { start: Math.floor((index * n) / count), end: Math.floor(((index + 1) * n) / count) };
}

/** `start-end` with zero padding, so directory listings sort in item order. */
export function rangeName(range: ItemRange): string {
  return `${String(range.start).padStart(8, '0')}-${String(range.end).padStart(8, '0')}`;
}

/** The range of a {@link rangeName}, or undefined for another name. */
export function parseRangeName(name: string): ItemRange | undefined {
  const m = /^(\d{8})-(\d{8})\.json$/.exec(name);
  return m ? { start: Number(m[1]), end: Number(m[2]) } : undefined;
}
