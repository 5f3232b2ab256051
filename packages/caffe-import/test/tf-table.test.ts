import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTable, CaffeImportError, crc32c, maskCrc32c, TfTable } from '@objsel/caffe-import';
import { seededRandom } from '../src/synthetic';
import { snappyCompress } from '../../../tools/tf-checkpoint/snappy-compress';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const cmp = (a: Uint8Array, b: Uint8Array) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(CaffeImportError);
    return error as CaffeImportError;
  }
  throw new Error('did not throw');
}

/** Sorted unique keys with long shared prefixes (like tensor names), and values. */
const tableEntries = fc
  .uniqueArray(
    fc.tuple(
      fc.constantFrom('res4b', 'res4b1', 'bn4b', 'fc1_voc12_c', '', '\u0000\u00ff', 'a'),
      fc.string({ maxLength: 12 }),
      fc.uint8Array({ maxLength: 300 }),
    ),
    { selector: ([p, s]) => p + s, maxLength: 120 },
  )
  .map((rows) => rows.map(([p, s, v]) => [enc(p + s), v] as [Uint8Array, Uint8Array]).sort((a, b) => cmp(a[0], b[0])))
  .filter((rows) => rows.every((r, i) => i === 0 || cmp(rows[i - 1]![0], r[0]) < 0));

describe('LevelDB-format tables', () => {
  it('property: any sorted key/value set reads back in order and by key, for any block size, restart interval and compression', () => {
    fc.assert(
      fc.property(
        tableEntries,
        fc.integer({ min: 16, max: 4096 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        (rows, blockSize, restartInterval, snappy) => {
          const bytes = buildTable(rows, { blockSize, restartInterval, ...(snappy ? { compress: (b) => snappyCompress(b) } : {}) });
          const table = TfTable.open(bytes, 't.index');
          const read = [...table.entries()];
          expect(read.map((e) => [e.key, e.value])).toEqual(rows);
          for (const [k, v] of rows) expect(table.get(k)).toEqual(v);
          expect(table.get(enc('zzzz-not-there'))).toBeUndefined();
          expect(table.get(enc('res4b\u0001'))).toEqual(rows.find(([k]) => dec(k) === 'res4b\u0001')?.[1]);
        },
      ),
    );
  });

  it('writes several blocks with restart points and shared prefixes, and Snappy blocks when they save space', () => {
    const rows = Array.from(
      { length: 400 },
      (_, i) => [enc(`res4b${String(i).padStart(3, '0')}_branch2a/weights`), enc('value '.repeat(10))] as const,
    );
    const plain = buildTable(rows, { blockSize: 1024, restartInterval: 4 });
    const packed = buildTable(rows, { blockSize: 1024, restartInterval: 4, compress: (b) => snappyCompress(b) });
    const a = TfTable.open(plain);
    const b = TfTable.open(packed);
    expect(a.blockCount).toBeGreaterThan(10);
    expect(b.blockCount).toBe(a.blockCount);
    expect(packed.length).toBeLessThan(plain.length / 2);
    expect([...b.entries()].length).toBe(400);
    expect(b.compressedBlocks).toBeGreaterThan(10);
    expect(a.compressedBlocks).toBe(0);
    expect(dec(b.get(rows[377]![0])!)).toBe('value '.repeat(10));
    // Prefix compression: with a full key at every entry (restart interval 1) the file is larger.
    const everyKeyWhole = buildTable(rows, { blockSize: 1024, restartInterval: 1 });
    expect(plain.length).toBeLessThan(everyKeyWhole.length - 400 * 5);
    expect([...TfTable.open(everyKeyWhole).entries()].length).toBe(400);
  });

  it('stores TensorFlow blocks uncompressed when Snappy would not save 1/8', () => {
    const random = seededRandom(5);
    const rows = [[enc('k'), Uint8Array.from({ length: 500 }, () => Math.floor(random() * 256))]] as const;
    const t = TfTable.open(buildTable(rows, { compress: (b) => snappyCompress(b) }));
    [...t.entries()];
    expect(t.compressedBlocks).toBe(0);
  });

  it('an empty table has an empty index', () => {
    const t = TfTable.open(buildTable([]));
    expect([...t.entries()]).toEqual([]);
    expect(t.get('')).toBeUndefined();
  });

  it('refuses keys out of order when writing', () => {
    expect(
      thrown(() =>
        buildTable([
          [enc('b'), enc('')],
          [enc('a'), enc('')],
        ]),
      ).code,
    ).toBe('bad-table');
  });

  it('bad input: short file, bad magic, CRC mismatch, unknown block type, each naming the file and place', () => {
    const good = buildTable([[enc('conv1/weights'), enc('x'.repeat(100))]]);
    const short = thrown(() => TfTable.open(good.subarray(0, 40), 'm.index'));
    expect([short.code, short.file]).toEqual(['truncated', 'm.index']);
    const trunc = thrown(() => TfTable.open(good.subarray(0, good.length - 3), 'm.index'));
    expect(trunc.code).toBe('not-table');
    expect(trunc.message).toMatch(/^m\.index: byte \d+: not a TensorFlow checkpoint table: bad magic number 0x[0-9a-f]{16}/);
    const magic = good.slice();
    magic[magic.length - 1]! ^= 1;
    expect(thrown(() => TfTable.open(magic, 'm.index')).code).toBe('not-table');
    const flipped = good.slice();
    flipped[20]! ^= 0x40; // inside the data block
    const crc = thrown(() => [...TfTable.open(flipped, 'm.index').entries()]);
    expect(crc.code).toBe('bad-checksum');
    expect(crc.message).toMatch(/^m\.index: data block 0 at byte 0: block CRC-32C mismatch/);
    // Block type 7 with a CRC that matches it (the data block ends 5 bytes before the metaindex block).
    const typed = good.slice();
    const view = new DataView(typed.buffer);
    const dataSize = TfTable.open(good).footer.metaindex.offset - 5;
    typed[dataSize] = 7;
    view.setUint32(dataSize + 1, maskCrc32c(crc32c(typed, 0, dataSize + 1)), true);
    const type = thrown(() => [...TfTable.open(typed, 'm.index').entries()]);
    expect(type.code).toBe('bad-table');
    expect(type.message).toMatch(/unknown block compression type 7/);
  });

  it('fuzz: random bytes behind a valid footer, and mutations of valid tables, give results or typed errors', () => {
    const valid = [
      buildTable(
        Array.from({ length: 40 }, (_, i) => [enc(`n${String(i).padStart(2, '0')}/w`), enc(`v${i}`)] as const),
        { blockSize: 64, restartInterval: 3 },
      ),
      buildTable(
        Array.from({ length: 40 }, (_, i) => [enc(`n${String(i).padStart(2, '0')}/w`), enc(`v${i}`.repeat(9))] as const),
        { blockSize: 128, compress: (b) => snappyCompress(b) },
      ),
    ];
    const codes = new Set(['truncated', 'not-table', 'bad-table', 'bad-checksum']);
    const check = (bytes: Uint8Array) => {
      try {
        const t = TfTable.open(bytes, 'f.index');
        for (const e of t.entries()) t.get(e.key);
      } catch (error) {
        expect(error).toBeInstanceOf(CaffeImportError);
        expect(codes.has((error as CaffeImportError).code)).toBe(true);
        expect((error as CaffeImportError).file).toBe('f.index');
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(
          // Random handles + random blocks with correct CRCs (so parsing, not the CRC, is exercised).
          fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 60 })).map(([a, b]) => craft(a, b)),
          fc
            .tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }))
            .map(([g, flips]) => {
              const m = g.slice();
              for (const [i, v] of flips) m[i % m.length] = v;
              return m;
            }),
          fc.tuple(fc.constantFrom(...valid), fc.nat()).map(([g, n]) => g.subarray(0, n % g.length)),
        ),
        check,
      ),
      { numRuns: 1500 },
    );
  });
});

/** A table file whose data block `block` and index block `index` carry correct CRCs. */
function craft(block: Uint8Array, indexTail: Uint8Array): Uint8Array {
  const parts: number[] = [];
  const put = (b: Uint8Array, type: number) => {
    const at = parts.length;
    parts.push(...b, type);
    const withType = Uint8Array.from(parts.slice(at));
    const crc = maskCrc32c(crc32c(withType));
    parts.push(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24);
    return { offset: at, size: b.length };
  };
  const data = put(block, indexTail[0]! % 3 === 0 ? 1 : 0);
  // Index block: one entry pointing at the data block, then whatever random tail.
  const entry = [0, 1, 2, 0x7a, data.offset, data.size & 0x7f];
  const idxBody = Uint8Array.from([...entry, ...indexTail.subarray(1), 0, 0, 0, 0, 1, 0, 0, 0]);
  const meta = put(Uint8Array.of(0, 0, 0, 0, 1, 0, 0, 0), 0);
  const index = put(idxBody, 0);
  const footer = new Uint8Array(48);
  const h = [meta.offset, meta.size, index.offset, index.size];
  let p = 0;
  for (let v of h) {
    while (v >= 128) {
      footer[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    footer[p++] = v;
  }
  new DataView(footer.buffer).setUint32(40, 0x8b80fb57, true);
  new DataView(footer.buffer).setUint32(44, 0xdb477524, true);
  return Uint8Array.from([...parts, ...footer]);
}
