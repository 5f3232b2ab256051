import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  filesFromMap,
  DT,
  listTfCheckpoint,
  readTfCheckpoint,
  resolveTfCheckpoint,
  tensorSliceKey,
  type ReadableFiles,
  type TfTensor,
} from '@objsel/caffe-import';
import { nodeFileSystem } from '../src/node';
import { snappyCompress } from '../../../tools/tf-checkpoint/snappy-compress';
import { encode } from '../../../tools/tf-checkpoint/protos';
import { writeV1, type V1Tensor } from '../../../tools/tf-checkpoint/v1-writer';
import { writeV2, type V2Tensor } from '../../../tools/tf-checkpoint/v2-writer';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

async function rejected(p: Promise<unknown>): Promise<CaffeImportError> {
  try {
    await p;
  } catch (error) {
    expect(error).toBeInstanceOf(CaffeImportError);
    return error as CaffeImportError;
  }
  throw new Error('did not reject');
}

/** A few tensors of every decodable type, a partitioned one, and scalars. */
function sample(): Array<V1Tensor & V2Tensor> {
  const w = Float32Array.from({ length: 3 * 3 * 2 * 4 }, (_, i) => Math.fround(Math.sin(i) * 1e-3));
  return [
    { name: 'conv1/weights', shape: [3, 3, 2, 4], data: w },
    { name: 'bn_conv1/moving_mean', shape: [4], data: Float32Array.of(-0, 1.5, Number.NaN, Number.POSITIVE_INFINITY) },
    { name: 'global_step', shape: [], data: BigInt64Array.of(20000n) },
    { name: 'beta1_power', shape: [], data: Float32Array.of(0.9) },
    { name: 'extra/double', shape: [2, 2], data: Float64Array.of(1 / 3, -2, 1e300, 5e-324) },
    { name: 'extra/int', shape: [3], data: Int32Array.of(-1, 0, 2147483647) },
    { name: 'extra/big', shape: [2], data: BigInt64Array.of(-(2n ** 62n), 2n ** 62n + 1n) },
    {
      name: 'extra/partitioned',
      shape: [5, 3],
      slices: [
        { extents: [{ start: 0, length: 2 }, { start: 0 }], data: Float32Array.of(0, 1, 2, 3, 4, 5) },
        { extents: [{ start: 2, length: 3 }, { start: 0 }], data: Float32Array.of(6, 7, 8, 9, 10, 11, 12, 13, 14) },
      ],
      shard: 1,
    },
    { name: 'extra/empty', shape: [0, 3], data: new Float32Array(0) },
  ];
}

function same(t: TfTensor | undefined, want: V1Tensor): void {
  expect(t).toBeDefined();
  expect(t!.shape).toEqual(want.shape);
  if (want.data)
    expect(hex(new Uint8Array(t!.data.buffer, t!.data.byteOffset, t!.data.byteLength))).toBe(hex(new Uint8Array(want.data.buffer)));
  else expect([...t!.data].map(Number)).toEqual(Array.from({ length: 15 }, (_, i) => i));
}

function v2Files(prefix: string, tensors: V2Tensor[], options: Parameters<typeof writeV2>[1] = {}): Record<string, Uint8Array> {
  const { index, shards } = writeV2(tensors, options);
  const files: Record<string, Uint8Array> = { [`${prefix}.index`]: index };
  shards.forEach((s, k) => {
    files[`${prefix}.data-${String(k).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}`] = s;
  });
  return files;
}

describe('TensorFlow checkpoint keys', () => {
  it('encodes slice keys as EncodeTensorNameSlice / OrderedCode do', () => {
    // 0 (number), "ab" + separator, rank 2, then start 0 / length -1 (whole dimension), start 2 / length 3.
    expect(hex(tensorSliceKey('ab', [{ start: 0 }, { start: 2, length: 3 }]))).toBe('00' + '61620001' + '0102' + '807f' + '8283');
    // Escapes of 0x00 / 0xff in names and multi-byte signed numbers (ordered_code.cc's own examples).
    expect(hex(tensorSliceKey('a\u0000', [{ start: 0x424242, length: 64 }]))).toBe('00' + '6100ff0001' + '0101' + 'f0424242' + 'c040');
  });
});

describe('V2 checkpoints', () => {
  it('reads every tensor bit-exactly: all types, partitioned over shards, scalars, empty', async () => {
    const tensors = sample();
    const files = filesFromMap(v2Files('ck/model.ckpt-20000', tensors, { shards: 2, blockSize: 200 }));
    const c = await readTfCheckpoint(files, 'ck/model.ckpt-20000');
    expect(c.format).toBe('v2');
    expect(c.tensors.map((t) => t.name)).toEqual([...tensors.map((t) => t.name)].sort());
    for (const t of tensors)
      same(
        c.tensors.find((x) => x.name === t.name),
        t,
      );
    expect(c.filesRead.map((f) => f.file)).toEqual([
      'ck/model.ckpt-20000.index',
      'ck/model.ckpt-20000.data-00000-of-00002',
      'ck/model.ckpt-20000.data-00001-of-00002',
    ]);
    const listing = await listTfCheckpoint(files, 'ck/model.ckpt-20000');
    expect(listing.header).toMatchObject({ numShards: 2, endianness: 0, version: { producer: 1 } });
    expect(listing.tensors.find((t) => t.name === 'extra/partitioned')).toEqual({
      name: 'extra/partitioned',
      dtype: 'float32',
      tfDtype: 'DT_FLOAT',
      shape: [5, 3],
      slices: 2,
    });
    expect(listing.tensors.find((t) => t.name === 'global_step')?.tfDtype).toBe('DT_INT64');
  });

  it('reads big-endian bundles and Snappy-compressed index blocks', async () => {
    const tensors = sample();
    const files = filesFromMap(v2Files('m', tensors, { endianness: 'big', shards: 2, blockSize: 100, compress: (b) => snappyCompress(b) }));
    const c = await readTfCheckpoint(files, 'm');
    for (const t of tensors)
      same(
        c.tensors.find((x) => x.name === t.name),
        t,
      );
  });

  it('returns views into the shard without copying (or copies on request), and reads only what the filter keeps', async () => {
    const files = filesFromMap(v2Files('m', sample().slice(0, 2)));
    const shard = await files.readFile('m.data-00000-of-00001');
    const views = await readTfCheckpoint(files, 'm');
    expect(views.tensors[1]!.data.buffer).toBe(shard.buffer);
    const copies = await readTfCheckpoint(files, 'm', { copy: true });
    expect(copies.tensors[1]!.data.buffer).not.toBe(shard.buffer);
    const some = await readTfCheckpoint(files, 'm', { filter: (t) => t.name.startsWith('bn') });
    expect(some.tensors.map((t) => t.name)).toEqual(['bn_conv1/moving_mean']);
    expect(some.skipped.map((t) => [t.name, t.reason])).toEqual([['conv1/weights', 'filtered']]);
  });
});

describe('V1 checkpoints', () => {
  it('reads every tensor bit-exactly in each value encoding, with partitioned slices', async () => {
    for (const encoding of ['packed', 'unpacked', 'tensor_content'] as const) {
      const tensors = sample().map((t) => ({ ...t, encoding }));
      const bytes = writeV1(tensors, { blockSize: 300, restartInterval: 3 });
      const c = await readTfCheckpoint(filesFromMap({ 'deeplab_resnet.ckpt': bytes }), 'deeplab_resnet.ckpt');
      expect(c.format).toBe('v1');
      for (const t of tensors)
        same(
          c.tensors.find((x) => x.name === t.name),
          t,
        );
      // consumeInput: misaligned values are moved inside the file's buffer and returned as views.
      const owned = bytes.slice();
      const d = await readTfCheckpoint(filesFromMap({ 'deeplab_resnet.ckpt': owned }), 'deeplab_resnet.ckpt', {
        consumeInput: true,
      });
      for (const t of tensors)
        same(
          d.tensors.find((x) => x.name === t.name),
          t,
        );
      if (encoding !== 'unpacked') expect(d.tensors.find((x) => x.name === 'conv1/weights')!.data.buffer).toBe(owned.buffer);
    }
  });

  it('reads Snappy-compressed V1 tables and V1 shards', async () => {
    const tensors = sample();
    const packed = writeV1(tensors, { blockSize: 64, compress: (b) => snappyCompress(b) });
    const c = await readTfCheckpoint(filesFromMap({ 'a/m.ckpt': packed }), 'a/m.ckpt');
    for (const t of tensors)
      same(
        c.tensors.find((x) => x.name === t.name),
        t,
      );
    const shards = filesFromMap({
      'a/m.ckpt-00000-of-00002': writeV1(tensors.slice(0, 4)),
      'a/m.ckpt-00001-of-00002': writeV1(tensors.slice(4)),
    });
    const s = await readTfCheckpoint(shards, 'a/m.ckpt');
    expect(s.resolved.via).toBe('v1-shards');
    for (const t of tensors)
      same(
        s.tensors.find((x) => x.name === t.name),
        t,
      );
  });
});

describe('checkpoint paths', () => {
  const files = filesFromMap({
    ...v2Files('snapshots/model.ckpt-20000', sample().slice(0, 2)),
    ...v2Files('snapshots/model.ckpt-19000', sample().slice(0, 1)),
    'snapshots/checkpoint': new TextEncoder().encode(
      'model_checkpoint_path: "model.ckpt-20000"\nall_model_checkpoint_paths: "model.ckpt-19000"\nall_model_checkpoint_paths: "model.ckpt-20000"\n',
    ),
    'moved/checkpoint': new TextEncoder().encode('model_checkpoint_path: "/home/user/old/model.ckpt-5"\n'),
    ...v2Files('moved/model.ckpt-5', sample().slice(0, 1)),
    'v1/deeplab_resnet.ckpt': writeV1(sample().slice(0, 1)),
    'two/a.index': new Uint8Array(1),
    'two/b.index': new Uint8Array(1),
    'one/x.ckpt.index': new Uint8Array(1),
  });

  it('accepts the Saver prefix, the .index, a .data file, a V1 file, a directory with a state file', async () => {
    const r = (p: string) => resolveTfCheckpoint(files, p);
    expect(await r('snapshots/model.ckpt-20000')).toMatchObject({ format: 'v2', prefix: 'snapshots/model.ckpt-20000', via: 'prefix' });
    expect(await r('snapshots/model.ckpt-19000.index')).toMatchObject({ prefix: 'snapshots/model.ckpt-19000', via: 'index-file' });
    expect(await r('snapshots/model.ckpt-20000.data-00000-of-00001')).toMatchObject({
      prefix: 'snapshots/model.ckpt-20000',
      via: 'data-file',
    });
    expect(await r('snapshots')).toMatchObject({
      prefix: 'snapshots/model.ckpt-20000',
      via: 'checkpoint-state',
      stateFile: 'snapshots/checkpoint',
    });
    expect(await r('snapshots/')).toMatchObject({ prefix: 'snapshots/model.ckpt-20000' });
    expect(await r('moved')).toMatchObject({ prefix: 'moved/model.ckpt-5', via: 'checkpoint-state' });
    expect(await r('v1/deeplab_resnet.ckpt')).toMatchObject({ format: 'v1', files: ['v1/deeplab_resnet.ckpt'], via: 'v1-file' });
    expect(await r('one')).toMatchObject({ prefix: 'one/x.ckpt', via: 'only-index-in-directory' });
    expect((await readTfCheckpoint(files, 'snapshots')).tensors).toHaveLength(2);
  });

  it('works on the file system through nodeFileSystem (state file, prefix, V1 file)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-tfckpt-'));
    try {
      for (const [name, bytes] of Object.entries(v2Files('model.ckpt-20000', sample(), { shards: 2 })))
        fs.writeFileSync(path.join(dir, name), bytes);
      fs.writeFileSync(path.join(dir, 'checkpoint'), `model_checkpoint_path: "${path.join(dir, 'model.ckpt-20000')}"\n`);
      fs.writeFileSync(path.join(dir, 'v1.ckpt'), writeV1(sample()));
      const node = nodeFileSystem;
      const viaDir = await readTfCheckpoint(node, dir);
      expect(viaDir.resolved).toMatchObject({ via: 'checkpoint-state', prefix: path.join(dir, 'model.ckpt-20000') });
      for (const t of sample())
        same(
          viaDir.tensors.find((x) => x.name === t.name),
          t,
        );
      expect((await readTfCheckpoint(node, path.join(dir, 'v1.ckpt'))).tensors).toHaveLength(sample().length);
      expect((await rejected(readTfCheckpoint(node, path.join(dir, 'model.ckpt-1')))).code).toBe('missing-file');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names what is missing', async () => {
    const absent = await rejected(resolveTfCheckpoint(files, 'snapshots/model.ckpt-30000'));
    expect(absent.code).toBe('missing-file');
    expect(absent.message).toBe(
      'snapshots/model.ckpt-30000: no checkpoint here: neither model.ckpt-30000.index (V2) nor model.ckpt-30000 (V1) exists',
    );
    const two = await rejected(resolveTfCheckpoint(files, 'two'));
    expect(two.message).toMatch(/^two: the directory has no 'checkpoint' file to choose among 2 checkpoints/);
    const noIndex = filesFromMap({ 'p.data-00000-of-00001': new Uint8Array(4) });
    expect((await rejected(resolveTfCheckpoint(noIndex, 'p'))).message).toMatch(
      /^p: V2 checkpoint prefix without its index: p\.index is missing/,
    );
  });
});

describe('bad checkpoints: one typed line naming the file', () => {
  const good = () => v2Files('m', sample().slice(0, 3));

  it('a truncated .index', async () => {
    const f = good();
    f['m.index'] = f['m.index']!.subarray(0, f['m.index']!.length - 10);
    const e = await rejected(readTfCheckpoint(filesFromMap(f), 'm'));
    expect([e.code, e.file]).toEqual(['not-table', 'm.index']);
    expect(e.message).not.toMatch(/\n/);
  });

  it('a truncated .data shard', async () => {
    const f = good();
    f['m.data-00000-of-00001'] = f['m.data-00000-of-00001']!.subarray(0, 50);
    const e = await rejected(readTfCheckpoint(filesFromMap(f), 'm'));
    expect([e.code, e.file]).toEqual(['truncated', 'm.data-00000-of-00001']);
    expect(e.message).toMatch(
      /^m\.data-00000-of-00001: tensor "[^"]+": bytes \[\d+, \d+\) lie past the end of the data file \(50 bytes\)$/,
    );
  });

  it('a CRC mismatch in the data and in an index block', async () => {
    const f = good();
    const data = f['m.data-00000-of-00001']!.slice();
    data[7]! ^= 1;
    f['m.data-00000-of-00001'] = data;
    const e = await rejected(readTfCheckpoint(filesFromMap(f), 'm'));
    expect([e.code, e.file, e.where]).toEqual(['bad-checksum', 'm.data-00000-of-00001', 'tensor "conv1/weights"']);
    const g = good();
    const index = g['m.index']!.slice();
    index[3]! ^= 1;
    g['m.index'] = index;
    const e2 = await rejected(readTfCheckpoint(filesFromMap(g), 'm'));
    expect([e2.code, e2.file]).toEqual(['bad-checksum', 'm.index']);
    const h = filesFromMap(v2Files('m', [{ name: 'w', shape: [2], data: Float32Array.of(1, 2), badCrc: true }]));
    expect((await rejected(readTfCheckpoint(h, 'm'))).code).toBe('bad-checksum');
  });

  it('a missing shard, absent V2 files', async () => {
    const f = v2Files('m', sample(), { shards: 2 });
    delete f['m.data-00001-of-00002'];
    const files = filesFromMap(f);
    // Listing needs only the index.
    expect((await listTfCheckpoint(files, 'm')).tensors).toHaveLength(sample().length);
    const e = await rejected(readTfCheckpoint(files, 'm'));
    expect(e.message).toBe('m.data-00001-of-00002: data shard 1 of 2 is missing');
    expect(e.code).toBe('missing-file');
    expect((await rejected(readTfCheckpoint(filesFromMap({}), 'nothing/model.ckpt'))).code).toBe('missing-file');
  });

  it('a table with a bad magic number (e.g. a .caffemodel passed as a V1 checkpoint)', async () => {
    const e = await rejected(readTfCheckpoint(filesFromMap({ 'x.caffemodel': new Uint8Array(100).fill(8) }), 'x.caffemodel'));
    expect([e.code, e.file]).toEqual(['not-table', 'x.caffemodel']);
  });

  it('sizes that disagree with shapes (V2 entry, V1 TensorProto)', async () => {
    const f = filesFromMap(v2Files('m', [{ name: 'w', shape: [3], data: Float32Array.of(1, 2) }]));
    const e = await rejected(readTfCheckpoint(f, 'm'));
    expect([e.code, e.file, e.where]).toEqual(['shape-mismatch', 'm.index', 'tensor "w"']);
    const v1 = filesFromMap({ 'a.ckpt': writeV1([{ name: 'w', shape: [3], data: Float32Array.of(1, 2) }]) });
    const e2 = await rejected(readTfCheckpoint(v1, 'a.ckpt'));
    expect([e2.code, e2.file, e2.where]).toEqual(['shape-mismatch', 'a.ckpt', 'tensor "w"']);
    expect(e2.message).toBe('a.ckpt: tensor "w": TensorProto holds 2 value(s), the shape needs 3');
    const content = filesFromMap({
      'a.ckpt': writeV1([{ name: 'w', shape: [3], data: Float32Array.of(1, 2), encoding: 'tensor_content' }]),
    });
    expect((await rejected(readTfCheckpoint(content, 'a.ckpt'))).message).toMatch(/tensor_content has 8 bytes, 3 float32 values need 12/);
  });

  it('unsupported element types, unless skipped', async () => {
    const v2 = filesFromMap(
      v2Files('m', [{ name: 'names', shape: [1], dtype: DT.STRING, raw: Uint8Array.of(1, 0, 0, 0, 0, 65) }, ...sample().slice(0, 1)]),
    );
    const e = await rejected(readTfCheckpoint(v2, 'm'));
    expect(e.message).toBe('m.index: tensor "names": element type DT_STRING is not supported (float32, float64, int32, int64 are)');
    expect(e.code).toBe('unsupported');
    const skipped = await readTfCheckpoint(v2, 'm', { unsupported: 'skip' });
    expect(skipped.skipped.map((s) => [s.name, s.reason])).toEqual([['names', 'unsupported']]);
    const v1 = filesFromMap({
      'a.ckpt': writeV1([{ name: 'b', shape: [2], dtype: DT.BOOL, rawTensorProto: encode('TensorProto', { bool_val: [true, false] }) }]),
    });
    expect((await rejected(readTfCheckpoint(v1, 'a.ckpt'))).code).toBe('unsupported');
  });

  it('fuzz: mutated V1 and V2 files give tensors or typed errors, never hangs or other errors', async () => {
    const v1 = writeV1(sample(), { blockSize: 128 });
    const v2 = v2Files('m', sample(), { blockSize: 128, shards: 2 });
    const known = new Set([
      'truncated',
      'not-table',
      'bad-table',
      'bad-checksum',
      'bad-checkpoint',
      'shape-mismatch',
      'unsupported',
      'bad-wire-type',
      'bad-length',
      'missing-file',
    ]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('v1', 'index', 'data'),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        async (which, flips, fixCrcs) => {
          const files: Record<string, Uint8Array> = which === 'v1' ? { 'a.ckpt': v1.slice() } : { ...v2 };
          const key = which === 'v1' ? 'a.ckpt' : which === 'index' ? 'm.index' : 'm.data-00001-of-00002';
          const bytes = files[key]!.slice();
          for (const [i, v] of flips) bytes[i % bytes.length] = v;
          files[key] = fixCrcs && key !== 'm.data-00001-of-00002' ? recrc(bytes) : bytes;
          try {
            await readTfCheckpoint(filesFromMap(files), which === 'v1' ? 'a.ckpt' : 'm', { unsupported: 'skip' });
          } catch (error) {
            expect(error).toBeInstanceOf(CaffeImportError);
            expect(known.has((error as CaffeImportError).code)).toBe(true);
            expect((error as CaffeImportError).file).toBeDefined();
          }
        },
      ),
      { numRuns: 600 },
    );
  });

  it('fuzz: random proto bytes as index entries and V1 values give typed errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 60 }), fc.uint8Array({ maxLength: 60 }), async (entry, value) => {
        const header = encode('BundleHeaderProto', { num_shards: 1, version: { producer: 1 } });
        const index = (await import('@objsel/caffe-import')).buildTable([
          [new Uint8Array(0), header],
          [new TextEncoder().encode('w'), entry],
        ]);
        const v1 = writeV1([{ name: 'w', shape: [2], dtype: DT.FLOAT, rawTensorProto: value }]);
        const files: ReadableFiles = filesFromMap({
          'm.index': index,
          'm.data-00000-of-00001': new Uint8Array(64),
          'a.ckpt': v1,
        });
        for (const p of ['m', 'a.ckpt']) {
          try {
            await readTfCheckpoint(files, p, { unsupported: 'skip' });
          } catch (error) {
            expect(error).toBeInstanceOf(CaffeImportError);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});

/** Recomputes every block CRC of a table (so mutations reach the parsers behind the CRC check). */
function recrc(table: Uint8Array): Uint8Array {
  const out = table.slice();
  if (out.length < 48) return out;
  const view = new DataView(out.buffer);
  // Walk blocks from the footer's handles: metaindex and index, and the index's data handles.
  const varint = (pos: number): [number, number] => {
    let v = 0;
    let s = 1;
    for (let i = 0; i < 10 && pos < out.length; i++) {
      const b = out[pos++]!;
      v += (b & 0x7f) * s;
      if (b < 0x80) return [v, pos];
      s *= 128;
    }
    return [Number.NaN, pos];
  };
  const fix = (offset: number, size: number) => {
    if (!(offset >= 0 && size >= 0 && offset + size + 5 <= out.length - 48)) return;
    view.setUint32(offset + size + 1, maskOf(out, offset, offset + size + 1), true);
  };
  let p = out.length - 48;
  const handles: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [v, q] = varint(p);
    handles.push(v);
    p = q;
  }
  fix(handles[0]!, handles[1]!);
  fix(handles[2]!, handles[3]!);
  return out;
}

function maskOf(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) {
    c ^= bytes[i]!;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  const crc = ~c >>> 0;
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
