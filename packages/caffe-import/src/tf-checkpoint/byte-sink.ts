/**
 * A growable byte buffer with the little encodings LevelDB-format tables use: base-128 varints
 * (`coding.h` PutVarint32/64) and little-endian fixed32.
 */
export class ByteSink {
  private buf: Uint8Array;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  /** Appends one byte. */
  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b & 0xff;
  }

  /** Appends bytes. */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Appends an unsigned varint (a non-negative integer below 2^53). */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint of ${value}`);
    this.reserve(10);
    while (value >= 128) {
      this.buf[this.length++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buf[this.length++] = value;
  }

  /** Appends a little-endian uint32. */
  fixed32(value: number): void {
    this.reserve(4);
    const v = value >>> 0;
    this.buf[this.length++] = v & 0xff;
    this.buf[this.length++] = (v >>> 8) & 0xff;
    this.buf[this.length++] = (v >>> 16) & 0xff;
    this.buf[this.length++] = v >>> 24;
  }

  /** Discards everything written. */
  clear(): void {
    this.length = 0;
  }

  /** A view of the bytes written (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** Bytes of an unsigned varint. */
export function varintLength(value: number): number {
  let n = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}
