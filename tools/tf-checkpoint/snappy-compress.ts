// A small raw Snappy compressor for tests and benchmarks, written from Snappy's
// format_description.txt: a varint length, then literals and copies found with a hash table of
// 4-byte sequences. `mode` forces element kinds the greedy search would not pick, so that the
// decoder sees every encoding: long literal lengths (1-4 extra bytes) and copies with 1-, 2- and
// 4-byte offsets.

/** Which element encodings to emit. */
export interface SnappyCompressOptions {
  /** Copy encoding: `auto` (1-byte offsets when they fit, else 2-byte), or always 2- or 4-byte offsets. */
  copies?: 'auto' | 'offset2' | 'offset4';
  /** Bytes of the extra literal length: 0 (auto: inline below 61, else as few as fit) or 1-4 forced for long literals. */
  literalLengthBytes?: 0 | 1 | 2 | 3 | 4;
  /** Longest copy element (4..64); longer matches become several copies. */
  maxCopy?: number;
}

function pushVarint(out: number[], v: number): void {
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function literal(out: number[], src: Uint8Array, start: number, end: number, force: number): void {
  let pos = start;
  while (pos < end) {
    const n = Math.min(end - pos, 65536);
    const len = n - 1;
    if (len < 60 && force === 0) out.push(len << 2);
    else {
      const bytes = force || (len < 256 ? 1 : len < 65536 ? 2 : len < 1 << 24 ? 3 : 4);
      out.push((59 + bytes) << 2);
      for (let k = 0; k < bytes; k++) out.push((len >>> (8 * k)) & 0xff);
    }
    for (let i = pos; i < pos + n; i++) out.push(src[i]!);
    pos += n;
  }
}

function copy(out: number[], offset: number, length: number, mode: 'auto' | 'offset2' | 'offset4', maxCopy: number): void {
  while (length > 0) {
    let n = Math.min(length, maxCopy);
    // Keep at least 4 bytes for a following 1-byte-offset copy's minimum length.
    if (length - n > 0 && length - n < 4) n = length - 4;
    if (mode === 'auto' && n >= 4 && n <= 11 && offset < 2048) {
      out.push(1 | ((n - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff);
    } else if (mode !== 'offset4' && offset < 65536) {
      out.push(2 | ((n - 1) << 2), offset & 0xff, offset >>> 8);
    } else {
      out.push(3 | ((n - 1) << 2), offset & 0xff, (offset >>> 8) & 0xff, (offset >>> 16) & 0xff, offset >>> 24);
    }
    length -= n;
  }
}

/** Compresses `src` as one raw Snappy block. */
export function snappyCompress(src: Uint8Array, options: SnappyCompressOptions = {}): Uint8Array {
  const mode = options.copies ?? 'auto';
  const maxCopy = Math.max(4, Math.min(64, options.maxCopy ?? 64));
  const force = options.literalLengthBytes ?? 0;
  const out: number[] = [];
  pushVarint(out, src.length);
  const table = new Map<number, number>();
  let pos = 0;
  let litStart = 0;
  while (pos + 4 <= src.length) {
    const h = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
    const cand = table.get(h);
    table.set(h, pos);
    if (cand !== undefined && pos - cand < 2 ** 31) {
      let len = 4;
      while (pos + len < src.length && src[cand + len] === src[pos + len]) len++;
      literal(out, src, litStart, pos, force);
      copy(out, pos - cand, len, mode, maxCopy);
      pos += len;
      litStart = pos;
    } else pos++;
  }
  literal(out, src, litStart, src.length, force);
  return Uint8Array.from(out);
}
