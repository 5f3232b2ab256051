import { beforeAll, describe, expect, it } from 'vitest';
import {
  VOC_CLASSES,
  decodeImage,
  decodeLabel,
  decodeSaliency,
  extractInstances,
  makeSyntheticDataset,
  parseClassCategories,
  parseList,
  parseVocAnnotation,
  readNpz,
  readSbdLabel,
  renderSyntheticSample,
  tagsFromAnnotation,
} from '../src/index';
import { syntheticClassStyle } from '../src/synthetic';

const OPTS = { count: 8, seed: 11, width: 96, height: 72, minSize: 24, maxSize: 48, classes: 4 };

async function makeInMemory(options = OPTS) {
  const files = new Map<string, Uint8Array>();
  const summary = await makeSyntheticDataset(options, (p, b) => void files.set(p, b));
  return { files, summary };
}

let made: Awaited<ReturnType<typeof makeInMemory>>;
beforeAll(async () => {
  made = await makeInMemory();
});

describe('synthetic VOC-format dataset', () => {
  it('is byte-identical for the same seed (whatever the count) and different for another', async () => {
    const a = made;
    const b = await makeInMemory({ ...OPTS, count: 2 });
    const c = await makeInMemory({ ...OPTS, count: 1, seed: 12 });
    const perImage = [...b.files.keys()].filter((k) => /synth_00000[01]\.(jpg|png|xml|txt|npz|mat)$/.test(k));
    expect(perImage.length).toBe(2 * 10);
    for (const k of perImage) expect(Buffer.from(b.files.get(k)!).equals(Buffer.from(a.files.get(k)!))).toBe(true);
    expect(Buffer.from(a.files.get('JPEGImages/synth_000000.jpg')!).equals(Buffer.from(c.files.get('JPEGImages/synth_000000.jpg')!))).toBe(
      false,
    );
    expect(a.summary).toMatchObject({ count: 8, train: 6, val: 2, numClasses: 5, classes: VOC_CLASSES.slice(0, 5) });
  });

  it('all annotations agree: class PNG, Aug PNG, object PNG, XML, class files, SBD mats, saliency', async () => {
    const { files, summary } = made;
    const entries = parseList(new TextDecoder().decode(files.get('train.txt')!));
    expect(entries).toHaveLength(6);
    const histogram = new Array(5).fill(0);
    for (let i = 0; i < 8; i++) {
      const id = `synth_${String(i).padStart(6, '0')}`;
      const image = await decodeImage(files.get(`JPEGImages/${id}.jpg`)!);
      expect([image.width, image.height]).toEqual([96, 72]);
      const cls = decodeLabel(files.get(`SegmentationClass/${id}.png`)!);
      const aug = decodeLabel(files.get(`SegmentationClassAug/${id}.png`)!);
      expect(cls.form).toBe('palette');
      expect(aug.form).toBe('gray');
      expect([...aug.data]).toEqual([...cls.data]);
      const obj = decodeLabel(files.get(`SegmentationObject/${id}.png`)!);
      expect(obj.form).toBe('palette');
      // Void bands coincide; instances carry exactly one class each.
      // (Per-pixel comparisons are counted and asserted once: expect() per pixel is slow.)
      expect(cls.data.filter((v, k) => (v === 255) !== (obj.data[k] === 255)).length).toBe(0);
      const instances = extractInstances(obj.data, 96, 72, { classLabel: cls.data });
      for (const inst of instances) expect(inst.mask.filter((m, k) => m === 1 && cls.data[k] !== inst.classId).length).toBe(0);
      const xml = parseVocAnnotation(new TextDecoder().decode(files.get(`Annotations/${id}.xml`)!));
      const tags = tagsFromAnnotation(xml);
      expect(parseClassCategories(new TextDecoder().decode(files.get(`ClassCategories/${id}.txt`)!))).toEqual(tags);
      // Every tagged class is visible in the label (void bands can only hide thin slivers, so allow absence only for tiny objects).
      const present = new Set(cls.data);
      for (const o of xml.objects)
        if (!present.has(o.classId)) expect((o.bbox![2] - o.bbox![0] + 1) * (o.bbox![3] - o.bbox![1] + 1)).toBeLessThan(40);
      const sbd = readSbdLabel(files.get(`cls/${id}.mat`)!);
      expect(cls.data.filter((v, k) => v !== 255 && sbd.data[k] !== v).length).toBe(0);
      const inst = readSbdLabel(files.get(`inst/${id}.mat`)!);
      expect(inst.categories).toEqual(xml.objects.map((o) => o.classId));
      const sal = decodeSaliency(files.get(`Saliency/${id}.png`)!);
      const salNpz = readNpz(files.get(`Saliency/${id}.npz`)!).get('actv')!;
      expect(salNpz.shape).toEqual([72, 96]);
      let inObj = 0;
      let nObj = 0;
      let inBg = 0;
      let nBg = 0;
      let maxDiff = 0;
      sal.data.forEach((v, k) => {
        maxDiff = Math.max(maxDiff, Math.abs(v - (salNpz.data[k] as number)));
        if (cls.data[k] === 0) (inBg += v), nBg++;
        else if (cls.data[k] !== 255) (inObj += v), nObj++;
      });
      expect(maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      if (nObj > 0) expect(inObj / nObj).toBeGreaterThan(0.6);
      expect(inBg / nBg).toBeLessThan(0.25);
      for (const v of cls.data) if (v !== 255) histogram[v]++;
    }
    expect(summary.histogram).toEqual(histogram);
  });

  it('classes differ in colour: a nearest-mean colour classifier separates object pixels', () => {
    // Per-class mean colour from 12 training images, then classify object pixels of 6 others.
    const opts = { ...OPTS, width: 128, height: 96, minSize: 32, maxSize: 64, classes: 5 };
    const sums = Array.from({ length: 6 }, () => [0, 0, 0, 0]);
    for (let i = 0; i < 12; i++) {
      const s = renderSyntheticSample(i, opts);
      s.classLabel.forEach((c, k) => {
        if (c === 255) return;
        for (let j = 0; j < 3; j++) sums[c]![j]! += s.image.data[k * 3 + j]!;
        sums[c]![3]!++;
      });
    }
    const means = sums.map(([r, g, b, n]) => (n ? [r! / n!, g! / n!, b! / n!] : [1e9, 1e9, 1e9]));
    let right = 0;
    let total = 0;
    for (let i = 12; i < 18; i++) {
      const s = renderSyntheticSample(i, opts);
      s.classLabel.forEach((c, k) => {
        if (c === 0 || c === 255) return;
        let best = 1;
        let bestD = Infinity;
        for (let m = 1; m < 6; m++) {
          const d = means[m]!.reduce((acc, v, j) => acc + (v - s.image.data[k * 3 + j]!) ** 2, 0);
          if (d < bestD) (bestD = d), (best = m);
        }
        total++;
        if (best === c) right++;
      });
    }
    expect(total).toBeGreaterThan(1000);
    expect(right / total).toBeGreaterThan(0.8);
    expect(new Set([1, 2, 3, 4, 5].map((k) => syntheticClassStyle(k).shape)).size).toBe(5);
  });

  it('sizes, counts and class range follow the options', () => {
    for (let i = 0; i < 10; i++) {
      const s = renderSyntheticSample(i, {
        count: 10,
        seed: 2,
        width: 160,
        height: 120,
        classes: 2,
        minObjects: 2,
        maxObjects: 2,
        minSize: 40,
        maxSize: 50,
      });
      expect(s.image.data.length).toBe(160 * 120 * 3);
      expect(s.objects.length).toBeLessThanOrEqual(2);
      for (const o of s.objects) {
        expect([1, 2]).toContain(o.classId);
        const extent = Math.max(o.bbox[2] - o.bbox[0], o.bbox[3] - o.bbox[1]) + 1;
        expect(extent).toBeLessThanOrEqual(Math.ceil(50 * Math.sqrt(1.25) * Math.SQRT2) + 1);
      }
      expect(new Set([...s.classLabel].filter((v) => ![0, 1, 2, 255].includes(v))).size).toBe(0);
    }
  });
});
