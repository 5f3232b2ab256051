import fs from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaffeImportError, encodeCaffemodel, parseCaffemodel, parsePrototxt, syntheticLayers, type LayerSpec } from '@objsel/caffe-import';
import { fixture } from '../../../tools/test/fixtures';
import { decodeWithProtobufjs, reducedDeploy } from './helpers';

function thrown(f: () => unknown): CaffeImportError {
  try {
    f();
  } catch (error) {
    if (!(error instanceof CaffeImportError)) throw error;
    return error;
  }
  throw new Error('did not throw');
}

/** Two small layers with blobs of awkward sizes (odd lengths shift later blobs off alignment). */
const SMALL: LayerSpec[] = [
  {
    name: 'conv',
    type: 'Convolution',
    bottoms: ['data'],
    tops: ['conv'],
    blobs: [
      { shape: [3, 2, 1, 1], data: Float32Array.of(1, -2, 3.5, 1e-30, -0, 7) },
      { shape: [3], data: Float32Array.of(0.25, 0.5, 0.75) },
    ],
  },
  { name: 'relu', type: 'ReLU', bottoms: ['conv'], tops: ['conv'], blobs: [] },
  {
    name: 'bn',
    type: 'BatchNorm',
    bottoms: ['conv'],
    tops: ['conv'],
    blobs: [
      { shape: [3], data: Float32Array.of(9, 8, 7) },
      { shape: [3], data: Float32Array.of(1, 2, 3) },
      { shape: [1], data: Float32Array.of(999.5) },
    ],
  },
];

const VARIANTS = [
  { format: 'layer', floats: 'packed' },
  { format: 'layer', floats: 'unpacked' },
  { format: 'layer', floats: 'double' },
  { format: 'layer', floats: 'packed', legacyShape: true },
  { format: 'layers', floats: 'packed', legacyShape: true },
  { format: 'layers', floats: 'unpacked', legacyShape: true },
  { format: 'layer', floats: 'packed', forkFields: true },
  { format: 'layers', floats: 'double', forkFields: true },
] as const;

describe('parseCaffemodel', () => {
  it('reads a hand-assembled NetParameter byte for byte (golden)', () => {
    const bytes = Uint8Array.from([
      0x0a,
      0x01,
      0x6e, // name "n"
      0xa2,
      0x06,
      0x1b, // layer (100), 27 bytes
      0x0a,
      0x01,
      0x63, // name "c"
      0x12,
      0x01,
      0x58, // type "X"
      0x3a,
      0x13, // blobs (7), 19 bytes
      0x2a,
      0x08,
      0x00,
      0x00,
      0x80,
      0x3f,
      0x00,
      0x00,
      0x00,
      0xc0, // data packed [1, -2]
      0x3a,
      0x04,
      0x0a,
      0x02,
      0x01,
      0x02, // shape { dim: [1, 2] }
      0x98,
      0x09,
      0x05, // unknown field 147 varint 5 (a fork's param): skipped
    ]);
    const model = parseCaffemodel(bytes);
    expect(model.name).toBe('n');
    expect(model.format).toBe('layer');
    expect(model.layers).toHaveLength(1);
    const [layer] = model.layers;
    expect([layer!.name, layer!.type, layer!.offset]).toEqual(['c', 'X', 3]);
    expect(layer!.blobs[0]!.shape).toEqual([1, 2]);
    expect(Array.from(layer!.blobs[0]!.data)).toEqual([1, -2]);
    expect(layer!.blobs[0]!.offset).toBe(12);
  });

  it.each(VARIANTS)('agrees with protobufjs on every field: %o', (variant) => {
    const bytes = encodeCaffemodel(SMALL, { ...variant, name: 'small', inputs: [{ name: 'data', shape: [1, 2, 5, 5] }] });
    const model = parseCaffemodel(bytes);
    const pb = decodeWithProtobufjs(bytes);
    const pbLayers = variant.format === 'layer' ? pb.layer : pb.layers;
    expect(model.format).toBe(variant.format);
    expect(model.name).toBe(pb.name);
    expect(model.inputs).toEqual(pb.input);
    expect(model.inputDims).toEqual(pb.input_dim);
    expect(model.layers.map((l) => l.name)).toEqual(pbLayers.map((l) => l.name));
    model.layers.forEach((l, i) => {
      const p = pbLayers[i]!;
      expect(l.bottoms).toEqual(p.bottom ?? []);
      expect(l.tops).toEqual(p.top ?? []);
      if (variant.format === 'layers') {
        expect(l.v1Type).toBe(p.type ?? 0);
        expect(l.type).toBe({ Convolution: 'Convolution', ReLU: 'ReLU', BatchNorm: '' }[SMALL[i]!.type]);
      } else {
        expect(l.type).toBe(p.type);
      }
      expect(l.blobs).toHaveLength((p.blobs ?? []).length);
      l.blobs.forEach((b, j) => {
        const pbBlob = p.blobs[j] as {
          data?: number[];
          double_data?: number[];
          shape?: { dim: number[] };
          num?: number;
          channels?: number;
          height?: number;
          width?: number;
        };
        const values = variant.floats === 'double' ? pbBlob.double_data! : pbBlob.data!;
        expect(Array.from(b.data)).toEqual(values.map(Math.fround));
        expect(Array.from(b.data)).toEqual(Array.from(SMALL[i]!.blobs[j]!.data));
        const pbShape = pbBlob.shape ? pbBlob.shape.dim : [pbBlob.num ?? 0, pbBlob.channels ?? 0, pbBlob.height ?? 0, pbBlob.width ?? 0];
        expect(b.shape).toEqual(pbShape);
        expect(b.legacyShape).toBe('legacyShape' in variant && variant.legacyShape);
        expect(b.encoding).toBe(variant.floats);
      });
    });
  });

  it('returns views on 4-byte-aligned data, copies otherwise, and with reuseBuffer views everywhere', () => {
    const net = parsePrototxt(reducedDeploy(16));
    const bytes = encodeCaffemodel(syntheticLayers(net, { seed: 5 }));
    const original = bytes.slice();
    const copied = parseCaffemodel(bytes);
    expect(Buffer.compare(bytes, original)).toBe(0); // untouched
    const blobs = copied.layers.flatMap((l) => l.blobs);
    const views = blobs.filter((b) => b.isView);
    expect(views.length).toBeGreaterThan(0);
    expect(views.length).toBeLessThan(blobs.length);
    for (const b of views) expect(b.data.buffer).toBe(bytes.buffer);
    for (const b of blobs.filter((x) => !x.isView)) expect(b.data.buffer).not.toBe(bytes.buffer);

    // The same from a Node Buffer (whose slice() is a view, not a copy).
    const fromBuffer = parseCaffemodel(Buffer.from(bytes));
    fromBuffer.layers
      .flatMap((l) => l.blobs)
      .forEach((b, i) => {
        expect(Array.from(b.data)).toEqual(Array.from(blobs[i]!.data));
      });

    const reused = parseCaffemodel(bytes, { reuseBuffer: true });
    const blobs2 = reused.layers.flatMap((l) => l.blobs);
    expect(blobs2.every((b) => b.isView && b.data.buffer === bytes.buffer)).toBe(true);
    blobs2.forEach((b, i) => {
      expect(Array.from(b.data)).toEqual(Array.from(blobs[i]!.data));
    });
  });

  it('skips the DeepLab fork interp_param (143) and unknown fields: same result as without', () => {
    const plain = parseCaffemodel(encodeCaffemodel(SMALL));
    const fork = parseCaffemodel(encodeCaffemodel(SMALL, { forkFields: true }));
    const strip = (m: typeof plain) =>
      m.layers.map((l) => ({ ...l, offset: 0, blobs: l.blobs.map((b) => ({ shape: b.shape, data: Array.from(b.data) })) }));
    expect(strip(fork)).toEqual(strip(plain));
  });

  it('rejects non-Caffe files with what they look like', () => {
    const jpeg = fs.readFileSync(fixture('deeplab/2007_000129.jpg'));
    const e = thrown(() => parseCaffemodel(jpeg, { file: 'photo.caffemodel' }));
    expect(e.code).toBe('not-caffe');
    expect(e.message).toBe('photo.caffemodel: byte 0: expected a binary Caffe NetParameter (.caffemodel), this looks like a JPEG image');
    const png = fs.readFileSync(fixture('deeplab/2007_000129.png'));
    expect(thrown(() => parseCaffemodel(png)).message).toMatch(/looks like a PNG image/);
    const prototxt = fs.readFileSync(fixture('deeplab/deploy.prototxt'));
    expect(thrown(() => parseCaffemodel(prototxt)).message).toMatch(/looks like a text file \(a \.prototxt\?/);
    // Random garbage that fails before any NetParameter field: not-caffe, with the offset.
    const garbage = Uint8Array.from([0x07, 0x01, 0x02, 0x03]);
    const g = thrown(() => parseCaffemodel(garbage, { file: 'g.bin' }));
    expect(g.code).toBe('not-caffe');
    expect(g.message).toMatch(
      /^g\.bin: byte 0: expected a binary Caffe NetParameter \(\.caffemodel\): field 0 has wire type invalid \(7\)|field number 0/,
    );
  });

  it('names the byte offset for a wrong wire type on a known field and for lengths past the end', () => {
    const good = encodeCaffemodel(SMALL, { name: 'x' });
    // Field 100 (layer) as a varint: tag 0xa0 0x06.
    const wrongWire = Uint8Array.from([...good, 0xa0, 0x06, 0x01]);
    const e1 = thrown(() => parseCaffemodel(wrongWire, { file: 'm.caffemodel' }));
    expect(e1.code).toBe('bad-wire-type');
    expect(e1.message).toBe(
      `m.caffemodel: byte ${good.length}: NetParameter.layer (100, LayerParameter) has wire type varint, expected length-delimited`,
    );
    // A layer that claims 100 bytes with 2 left.
    const pastEnd = Uint8Array.from([...good, 0xa2, 0x06, 0x64, 0x0a, 0x00]);
    const e2 = thrown(() => parseCaffemodel(pastEnd, { file: 'm.caffemodel' }));
    expect(e2.code).toBe('bad-length');
    expect(e2.message).toBe(`m.caffemodel: byte ${good.length + 2}: length 100 runs past the end (2 byte(s) remain)`);
  });

  it('reports every truncation of a valid file as a typed error, never as a wrong result', () => {
    const bytes = encodeCaffemodel(SMALL, { name: 'small' });
    for (let n = 1; n < bytes.length; n++) {
      const cut = bytes.subarray(0, n);
      let result: ReturnType<typeof parseCaffemodel> | undefined;
      try {
        result = parseCaffemodel(cut.slice());
      } catch (error) {
        expect(error).toBeInstanceOf(CaffeImportError);
        expect(['truncated', 'bad-length', 'not-caffe', 'shape-mismatch', 'bad-wire-type']).toContain((error as CaffeImportError).code);
        continue;
      }
      // Only a cut exactly between two layers parses, and then it holds the complete layers before it.
      expect(result.layers.length).toBeLessThan(SMALL.length);
      result.layers.forEach((l, i) => {
        expect(l.blobs.map((b) => Array.from(b.data))).toEqual(SMALL[i]!.blobs.map((b) => Array.from(b.data)));
      });
    }
  });

  it('checks blob shapes against value counts and packed lengths', () => {
    const bad = encodeCaffemodel([{ name: 'c', type: 'Convolution', blobs: [{ shape: [2], data: Float32Array.of(1, 2) }] }]);
    // Change the shape dim 2 -> 3 (last byte of the file is the packed dim).
    bad[bad.length - 1] = 3;
    const e = thrown(() => parseCaffemodel(bad, { file: 'b.caffemodel' }));
    expect(e.code).toBe('shape-mismatch');
    expect(e.message).toMatch(/^b\.caffemodel: byte \d+: blob of layer 'c' declares shape \[3\] \(3 values\) but holds 2 value\(s\)$/);
    // Packed float data of 7 bytes.
    const odd = Uint8Array.from([0xa2, 0x06, 0x0b, 0x3a, 0x09, 0x2a, 0x07, 1, 2, 3, 4, 5, 6, 7]);
    expect(thrown(() => parseCaffemodel(odd)).message).toMatch(/byte 5: packed float data of 7 bytes is not a multiple of 4/);
  });

  it('refuses files mixing layer and legacy layers, as Caffe does', () => {
    const a = encodeCaffemodel(SMALL.slice(0, 1));
    const b = encodeCaffemodel(SMALL.slice(1, 2), { format: 'layers' });
    expect(thrown(() => parseCaffemodel(Uint8Array.from([...a, ...b]))).code).toBe('unsupported');
  });

  it('fuzz: random bytes and mutated models give a result or CaffeImportError, nothing else', () => {
    const base = encodeCaffemodel(SMALL, { name: 'small', forkFields: true });
    const check = (bytes: Uint8Array) => {
      try {
        const m = parseCaffemodel(bytes);
        for (const l of m.layers) for (const b of l.blobs) expect(b.data.length).toBe(b.shape.reduce((x, y) => x * y, 1));
      } catch (error) {
        if (!(error instanceof CaffeImportError)) throw error;
      }
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(bytes)),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(base.length),
        (edits, cut) => {
          const bytes = base.slice(0, Math.max(1, cut));
          for (const [i, v] of edits) if (i < bytes.length) bytes[i] = v;
          check(bytes);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
