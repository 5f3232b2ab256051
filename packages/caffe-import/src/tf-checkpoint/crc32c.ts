/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) and the masking LevelDB and TensorFlow
 * apply to CRCs stored next to the data they cover (leveldb `util/crc32c.h`, TensorFlow
 * `tsl/lib/hash/crc32c.h`): `mask(c) = rotr(c, 15) + 0xa282ead8`, so that a CRC of bytes that
 * themselves hold CRCs stays well distributed. Slicing-by-8 tables: eight bytes per step.
 */

const POLY = 0x82f63b78;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** 8 tables of 256 entries: table k maps a byte to its CRC contribution k bytes further on. */
const TABLES: Uint32Array = (() => {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
})();

/**
 * Extends `crc` (the CRC-32C of some earlier bytes, 0 for none) over `bytes[start, end)`.
 * `crc32cExtend(crc32c(a), b) === crc32c(a ++ b)`.
 */
export function crc32cExtend(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let c = ~crc >>> 0;
  let i = start;
  // Byte by byte up to a 4-byte boundary of the underlying buffer, then 8 bytes per step via two
  // aligned 32-bit reads (little-endian hosts) or byte reads.
  while (i < end && ((bytes.byteOffset + i) & 3) !== 0) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  if (LITTLE_ENDIAN_HOST && end - i >= 8) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (end - i) >>> 2);
    const pairs = words.length >>> 1;
    for (let w = 0; w < pairs * 2; w += 2) {
      const lo = (words[w]! ^ c) >>> 0;
      const hi = words[w + 1]!;
      c =
        t[7 * 256 + (lo & 0xff)]! ^
        t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
        t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
        t[4 * 256 + (lo >>> 24)]! ^
        t[3 * 256 + (hi & 0xff)]! ^
        t[2 * 256 + ((hi >>> 8) & 0xff)]! ^
        t[256 + ((hi >>> 16) & 0xff)]! ^
        t[hi >>> 24]!;
    }
    i += pairs * 8;
  }
  while (i < end) c = t[(c ^ bytes[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C of `bytes[start, end)` (unmasked). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32cExtend(0, bytes, start, end);
}

const MASK_DELTA = 0xa282ead8;

/** The masked form LevelDB tables and TensorFlow bundles store: rotate right by 15, add a constant. */
export function maskCrc32c(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc32c}. */
export function unmaskCrc32c(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
