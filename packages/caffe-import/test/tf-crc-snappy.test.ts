import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaffeImportError, crc32c, maskCrc32c } from '@objsel/caffe-import';
import { crc32cExtend, unmaskCrc32c } from '../src/tf-checkpoint/crc32c';
import { snappyUncompress } from '../src/tf-checkpoint/snappy';
import { snappyCompress } from '../../../tools/tf-checkpoint/snappy-compress';

const ascii = (s: string) => new TextEncoder().encode(s);

/** Bit-by-bit CRC-32C, the definition the table-driven one must agree with. */
function slowCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(CaffeImportError);
    return error as CaffeImportError;
  }
  throw new Error('did not throw');
}

describe('CRC-32C', () => {
  it('matches the check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bit-by-bit definition at every alignment and length, and extends', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(7), fc.nat(200), (data, shift, cut) => {
        const buf = new Uint8Array(data.length + shift);
        buf.set(data, shift);
        const view = buf.subarray(shift);
        expect(crc32c(view)).toBe(slowCrc(data));
        const k = Math.min(cut, data.length);
        expect(crc32cExtend(crc32c(view, 0, k), view, k)).toBe(slowCrc(data));
      }),
    );
  });

  it('masks and unmasks as LevelDB does', () => {
    // leveldb crc32c_test: Mask changes the value, Unmask inverts it, a double mask differs too.
    const c = crc32c(ascii('foo'));
    expect(maskCrc32c(c)).not.toBe(c);
    expect(maskCrc32c(maskCrc32c(c))).not.toBe(c);
    expect(unmaskCrc32c(maskCrc32c(c))).toBe(c);
    expect(unmaskCrc32c(unmaskCrc32c(maskCrc32c(maskCrc32c(c))))).toBe(c);
    // rotr(0, 15) + 0xa282ead8
    expect(maskCrc32c(0)).toBe(0xa282ead8);
    fc.assert(fc.property(fc.nat(0xffffffff), (x) => unmaskCrc32c(maskCrc32c(x)) === x));
  });
});

describe('Snappy decompression', () => {
  it('decodes hand-made streams of every element kind', () => {
    // "abcd" as a literal: length 4, tag (4-1)<<2.
    expect(snappyUncompress(Uint8Array.of(4, 3 << 2, 97, 98, 99, 100))).toEqual(ascii('abcd'));
    // "abababab": literal "ab", then a 1-byte-offset copy of length 6 at offset 2 (overlapping).
    expect(snappyUncompress(Uint8Array.of(8, 1 << 2, 97, 98, 1 | ((6 - 4) << 2), 2))).toEqual(ascii('abababab'));
    // 2-byte offset copy (len 3, offset 3) and 4-byte offset copy (len 2, offset 6).
    const s = Uint8Array.of(11, 5 << 2, 120, 121, 122, 49, 50, 51, 2 | (2 << 2), 3, 0, 3 | (1 << 2), 6, 0, 0, 0);
    expect(new TextDecoder().decode(snappyUncompress(s))).toBe('xyz12312312');
    // Long literal with a 2-byte length (300 bytes).
    const long = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const enc = Uint8Array.of(0xac, 0x02, 61 << 2, 299 & 0xff, 299 >> 8, ...long);
    expect(snappyUncompress(enc)).toEqual(long);
    expect(snappyUncompress(Uint8Array.of(0))).toEqual(new Uint8Array(0));
  });

  it('round-trips the test compressor in every mode', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 3000 }),
          fc.array(fc.constantFrom(...ascii('abcab ')), { maxLength: 5000 }).map((a) => Uint8Array.from(a)),
        ),
        fc.constantFrom('auto' as const, 'offset2' as const, 'offset4' as const),
        fc.constantFrom(0 as const, 1 as const, 2 as const, 3 as const, 4 as const),
        fc.integer({ min: 4, max: 64 }),
        (data, copies, literalLengthBytes, maxCopy) => {
          const compressed = snappyCompress(data, { copies, literalLengthBytes, maxCopy });
          expect(snappyUncompress(compressed)).toEqual(data);
        },
      ),
    );
  });

  it('rejects malformed streams with typed errors naming the place', () => {
    const place = { file: 'x.index', where: 'data block 0 at byte 0' };
    const e1 = thrown(() => snappyUncompress(Uint8Array.of(8, 1 << 2, 97, 98, 1 | (6 << 2), 9), place));
    expect(e1.code).toBe('bad-table');
    expect(e1.message).toMatch(/^x\.index: data block 0 at byte 0, compressed byte 4: corrupt Snappy data: a copy refers to offset 9/);
    // Output shorter than declared; literal past the end; offset 0; overrun.
    expect(thrown(() => snappyUncompress(Uint8Array.of(5, 3 << 2, 1, 2, 3, 4))).message).toMatch(
      /produced 4 byte\(s\), the stream declares 5/,
    );
    expect(thrown(() => snappyUncompress(Uint8Array.of(4, 3 << 2, 1, 2))).message).toMatch(/runs past the end/);
    expect(thrown(() => snappyUncompress(Uint8Array.of(8, 1 << 2, 97, 98, 1, 0))).message).toMatch(/offset 0/);
    expect(thrown(() => snappyUncompress(Uint8Array.of(3, 3 << 2, 1, 2, 3, 4))).message).toMatch(/overruns the declared length 3/);
    expect(thrown(() => snappyUncompress(Uint8Array.of(0x80))).message).toMatch(/preamble runs past the end/);
  });

  it('never allocates more than the input can expand to', () => {
    // 2^32-1 declared from a 6-byte stream: rejected before allocating.
    const e = thrown(() => snappyUncompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0)));
    expect(e.message).toMatch(/declared length 4294967295/);
    expect(thrown(() => snappyUncompress(Uint8Array.of(100, 0), { maxLength: 50 })).message).toMatch(/exceeds the limit 50/);
  });

  it('fuzz: random and mutated streams end in a result or a typed error', () => {
    const samples = [
      ascii('the quick brown fox jumps over the lazy dog '.repeat(20)),
      Uint8Array.from({ length: 500 }, (_, i) => (i * 7) & 0xff),
    ];
    const good = samples.map((s) => snappyCompress(s));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc
            .tuple(fc.constantFrom(...good), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
            .map(([g, flips]) => {
              const m = g.slice();
              for (const [i, v] of flips) m[i % m.length] = v;
              return m;
            }),
          fc.tuple(fc.constantFrom(...good), fc.nat()).map(([g, n]) => g.subarray(0, n % g.length)),
        ),
        (bytes) => {
          try {
            const out = snappyUncompress(bytes);
            expect(out.length).toBeLessThanOrEqual((bytes.length * 64) / 3);
          } catch (error) {
            expect(error).toBeInstanceOf(CaffeImportError);
            expect((error as CaffeImportError).code).toBe('bad-table');
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
