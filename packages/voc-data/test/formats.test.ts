import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  VocDataError,
  decodeFloatMap,
  decodeSaliency,
  encodeIndexPng,
  encodeSaliencyPng,
  extractInstances,
  formatClassCategories,
  formatVocAnnotation,
  joinDataPath,
  parseClassCategories,
  parseList,
  parseVocAnnotation,
  readMat,
  readSbdLabel,
  tagVector,
  tagsFromAnnotation,
  tagsFromLabel,
  writeMat,
  writeNpy,
  writeNpz,
  writeSbdLabel,
  type MatValue,
} from '../src/index';

describe('list files', () => {
  it('parses the seeds’ formats and joins paths to the data directory', () => {
    const text = [
      '/JPEGImages/2007_000033.jpg /SegmentationClassAug/2007_000033.png',
      '',
      '# comment',
      '/JPEGImages/2008_000001.jpg',
      '/PASCAL_VOC_Aug/JPEGImages/a.jpg /PASCAL_VOC_Aug/ClassCategories/a.txt',
      '/JPEGImages/b.jpg /Attentions/b.npz /Saliency/b.npz /ClassCategories/b.txt',
      '2007_000032',
      '  /JPEGImages/c.jpg\t/SegmentationClass/c.png  \r',
    ].join('\n');
    const entries = parseList(text, { dataDir: '/data/VOC2012/', file: 'train.txt' });
    expect(entries.map((e) => [e.line, e.kind, e.id])).toEqual([
      [1, 'pair', '2007_000033'],
      [4, 'image', '2008_000001'],
      [5, 'tags', 'a'],
      [6, 'cues', 'b'],
      [7, 'id', '2007_000032'],
      [8, 'pair', 'c'],
    ]);
    expect(entries[0]).toMatchObject({
      image: '/data/VOC2012/JPEGImages/2007_000033.jpg',
      label: '/data/VOC2012/SegmentationClassAug/2007_000033.png',
      source: 'train.txt',
    });
    expect(entries[3]).toMatchObject({
      attention: '/data/VOC2012/Attentions/b.npz',
      saliency: '/data/VOC2012/Saliency/b.npz',
      classes: '/data/VOC2012/ClassCategories/b.txt',
    });
    expect(entries[4]).toMatchObject({
      image: '/data/VOC2012/JPEGImages/2007_000032.jpg',
      label: '/data/VOC2012/SegmentationClass/2007_000032.png',
    });
    expect(joinDataPath('D', '/x.jpg')).toBe('D/x.jpg');
    expect(joinDataPath('', '/x.jpg')).toBe('/x.jpg');
  });

  it('names the file and line of an unknown format; onBadLine collects them all', () => {
    try {
      parseList('/JPEGImages/a.jpg /b.png\n/a.jpg b.png c.png\n', { file: 'l.txt' });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ name: 'VocDataError', code: 'bad-list', file: 'l.txt', where: 'line 2' });
    }
    const bad: VocDataError[] = [];
    const entries = parseList('x y z\n/a.jpg /a.png\nfoo.gif bar\n', { file: 'l.txt', onBadLine: (e) => bad.push(e) });
    expect(entries).toHaveLength(1);
    expect(bad.map((e) => e.where)).toEqual(['line 1', 'line 3']);
  });

  it('never throws anything but VocDataError on arbitrary text (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseList(text);
        } catch (e) {
          expect(e).toBeInstanceOf(VocDataError);
        }
      }),
    );
  });
});

describe('tags', () => {
  const xml = `<annotation>
	<folder>VOC2012</folder>
	<filename>2007_000129.jpg</filename>
	<size><width>334</width><height>500</height><depth>3</depth></size>
	<segmented>1</segmented>
	<object><name>bicycle</name><pose>Right</pose><truncated>0</truncated><difficult>0</difficult>
		<bndbox><xmin>70</xmin><ymin>202</ymin><xmax>255</xmax><ymax>500</ymax></bndbox></object>
	<object><name>person</name><truncated>1</truncated><difficult>1</difficult>
		<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>60</xmax><ymax>90</ymax></bndbox>
		<part><name>head</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>9</xmax><ymax>9</ymax></bndbox></part></object>
	<object><name>bicycle</name><bndbox><xmin>2</xmin><ymin>3</ymin><xmax>4</xmax><ymax>5</ymax></bndbox></object>
</annotation>`;

  it('parses VOC annotation XML into objects and sorted unique tags', () => {
    const a = parseVocAnnotation(xml, 'a.xml');
    expect(a).toMatchObject({ filename: '2007_000129.jpg', width: 334, height: 500, segmented: true });
    expect(a.objects.map((o) => [o.name, o.classId, o.difficult, o.truncated])).toEqual([
      ['bicycle', 2, false, false],
      ['person', 15, true, true],
      ['bicycle', 2, false, false],
    ]);
    expect(a.objects[0]!.bbox).toEqual([70, 202, 255, 500]);
    expect(tagsFromAnnotation(a)).toEqual([2, 15]);
    expect(() =>
      tagsFromAnnotation(parseVocAnnotation('<annotation><object><name>unicorn</name></object></annotation>'), 'u.xml'),
    ).toThrowError(expect.objectContaining({ code: 'bad-values', file: 'u.xml' }) as Error);
    expect(() => parseVocAnnotation('<html></html>', 'x.xml')).toThrowError(VocDataError);
  });

  it('round-trips formatVocAnnotation', () => {
    const text = formatVocAnnotation({
      filename: 'x.jpg',
      width: 10,
      height: 20,
      objects: [{ name: 'cat', bbox: [1, 2, 3, 4], difficult: true }],
    });
    const a = parseVocAnnotation(text);
    expect(a.objects).toEqual([{ name: 'cat', classId: 8, difficult: true, truncated: false, occluded: false, bbox: [1, 2, 3, 4] }]);
  });

  it('reads DCSP class-category files in file order and builds the 20-d tag vector', () => {
    expect(parseClassCategories('15\n2\n15\n\n')).toEqual([15, 2]);
    expect(formatClassCategories([2, 15])).toBe('2\n15\n');
    expect(() => parseClassCategories('3\n21\n', 'c.txt')).toThrowError(
      expect.objectContaining({ code: 'bad-values', where: 'line 2' }) as Error,
    );
    expect(() => parseClassCategories('0\n')).toThrowError(VocDataError);
    const v = tagVector([2, 15]);
    expect(v.length).toBe(20);
    expect([...v].flatMap((x, i) => (x ? [i] : []))).toEqual([1, 14]);
    expect(tagsFromLabel(new Uint8Array([0, 15, 255, 2, 2, 30]))).toEqual([2, 15]);
  });
});

describe('instances', () => {
  it('splits SegmentationObject labels into masks with majority classes and bboxes', () => {
    // 4x3: instance 1 (class 15) top-left, instance 2 (class 2) right, 255 void.
    const obj = new Uint8Array([1, 1, 0, 2, 1, 255, 0, 2, 0, 0, 2, 2]);
    const cls = new Uint8Array([15, 15, 0, 2, 15, 255, 0, 2, 0, 0, 2, 2]);
    const inst = extractInstances(obj, 4, 3, { classLabel: cls });
    expect(inst.map((i) => [i.instanceId, i.classId, i.area, i.bbox])).toEqual([
      [1, 15, 3, [0, 0, 1, 1]],
      [2, 2, 4, [2, 0, 3, 2]],
    ]);
    expect([...inst[0]!.mask]).toEqual([1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(extractInstances(obj, 4, 3, { categories: [7, 9] }).map((i) => i.classId)).toEqual([7, 9]);
    expect(() => extractInstances(obj, 5, 3)).toThrowError(expect.objectContaining({ code: 'size-mismatch' }) as Error);
  });
});

describe('saliency and attention maps', () => {
  it('reads 8-bit PNG (/255), .npy and .npz (actv) maps', () => {
    const g = new Uint8Array([0, 51, 255, 128]);
    const png = encodeIndexPng(
      g,
      2,
      2,
      new Uint8Array(768).map((_, i) => Math.floor(i / 3)),
    );
    const fromPng = decodeSaliency(png);
    expect([...fromPng.data].map((v) => +v.toFixed(5))).toEqual([0, 0.2, 1, +(128 / 255).toFixed(5)]);
    const arr = new Float32Array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    expect(decodeFloatMap(writeNpy({ shape: [2, 3], data: arr }))).toMatchObject({ width: 3, height: 2, channels: 1 });
    const attn = decodeFloatMap(writeNpz({ actv: { shape: [1, 3, 2], data: arr } }, { compress: true }));
    expect(attn).toMatchObject({ width: 3, height: 1, channels: 2 });
    expect(() => decodeSaliency(writeNpz({ actv: { shape: [1, 3, 2], data: arr } }))).toThrowError(
      expect.objectContaining({ code: 'bad-values' }) as Error,
    );
    expect(() =>
      decodeFloatMap(
        writeNpz({ other: { shape: [1, 1], data: new Float32Array(1) }, x: { shape: [1, 1], data: new Float32Array(1) } }),
        'm.npz',
      ),
    ).toThrowError(/no 'actv'/);
    expect(() => decodeFloatMap(writeNpy({ shape: [6], data: arr }))).toThrowError(VocDataError);
    const back = decodeSaliency(encodeSaliencyPng({ width: 3, height: 2, data: arr }));
    back.data.forEach((v, i) => {
      expect(Math.abs(v - arr[i]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
    });
  });
});

describe('MAT v5', () => {
  it('writer ↔ reader round-trip for every value kind, compressed or not, either byte order', () => {
    const vars: Record<string, MatValue> = {
      seg: { type: 'numeric', class: 'uint8', dims: [2, 3], real: new Float64Array([0, 1, 2, 3, 4, 255]) },
      d: { type: 'numeric', class: 'double', dims: [1, 2], real: new Float64Array([-1.5, 1e300]), imag: new Float64Array([2, 0]) },
      i: { type: 'numeric', class: 'int32', dims: [1, 1], real: new Float64Array([-70000]) },
      t: { type: 'char', dims: [1, 4], text: 'GTcl' },
      c: {
        type: 'cell',
        dims: [2, 1],
        cells: [
          { type: 'char', dims: [1, 1], text: 'x' },
          { type: 'numeric', class: 'single', dims: [1, 1], real: new Float64Array([0.5]) },
        ],
      },
      s: {
        type: 'struct',
        dims: [1, 2],
        fields: ['a', 'long_field_name'],
        elements: [
          {
            a: { type: 'numeric', class: 'uint16', dims: [1, 1], real: new Float64Array([7]) },
            long_field_name: { type: 'char', dims: [1, 2], text: 'ok' },
          },
          {
            a: { type: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0) },
            long_field_name: { type: 'char', dims: [1, 1], text: 'z' },
          },
        ],
      },
      sp: {
        type: 'sparse',
        dims: [3, 2],
        ir: new Int32Array([2, 0]),
        jc: new Int32Array([0, 1, 2]),
        real: new Float64Array([1, 1]),
        logical: true,
      },
    };
    for (const compress of [true, false]) {
      for (const bigEndian of [false, true]) {
        const back = readMat(writeMat(vars, { compress, bigEndian }));
        expect([...back.keys()]).toEqual(Object.keys(vars));
        for (const [k, v] of Object.entries(vars)) expect(back.get(k)).toEqual(v);
      }
    }
  });

  it('SBD labels: writeSbdLabel → readSbdLabel gives the row-major label back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.nat(), (w, h, seed) => {
        const data = Uint8Array.from({ length: w * h }, (_, i) => (seed + i * 7) % 21);
        const cls = readSbdLabel(writeSbdLabel({ kind: 'cls', width: w, height: h, data }));
        expect(cls).toMatchObject({ kind: 'cls', width: w, height: h });
        expect([...cls.data]).toEqual([...data]);
        const inst = readSbdLabel(writeSbdLabel({ kind: 'inst', width: w, height: h, data, categories: [3, 4] }));
        expect(inst.categories).toEqual([3, 4]);
      }),
      { numRuns: 40 },
    );
    expect(() => readSbdLabel(writeMat({ other: { type: 'char', dims: [1, 1], text: 'x' } }), 'o.mat')).toThrowError(
      expect.objectContaining({ code: 'bad-mat', file: 'o.mat' }) as Error,
    );
  });

  it('garbage and mutated files only ever raise VocDataError (fuzz)', () => {
    const seeds = [
      writeSbdLabel({ kind: 'inst', width: 3, height: 2, data: new Uint8Array([0, 1, 2, 1, 1, 0]), categories: [5, 6] }),
      writeMat({ a: { type: 'numeric', class: 'double', dims: [2, 2], real: new Float64Array(4) } }, { compress: false }),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.option(fc.nat()),
        (seed, edits, cut) => {
          const b = new Uint8Array(seed);
          for (const [at, v] of edits) b[128 + (at % (b.length - 128))] = v;
          const bytes = cut === null ? b : b.subarray(0, cut % (b.length + 1));
          try {
            readMat(bytes);
            readSbdLabel(bytes);
          } catch (e) {
            if (!(e instanceof VocDataError)) throw e;
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
