import { VocDataError } from './errors';
import { VOC_CLASSES } from './palette';

/** One `<object>` of a VOC annotation. */
export interface VocObject {
  /** Class name as written (`person`). */
  name: string;
  /** Class index in {@link VOC_CLASSES} (1..20), or -1 for names outside the list. */
  classId: number;
  difficult: boolean;
  truncated: boolean;
  occluded: boolean;
  /** `[xmin, ymin, xmax, ymax]`, 1-based inclusive pixel coordinates as VOC writes them. */
  bbox?: [number, number, number, number];
}

/** A parsed `Annotations/<id>.xml`. */
export interface VocAnnotation {
  filename?: string;
  width?: number;
  height?: number;
  /** Whether the image has a segmentation (`<segmented>1</segmented>`). */
  segmented: boolean;
  objects: VocObject[];
}

function tag(block: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(block);
  return m ? decodeEntities(m[1]!.trim()) : undefined;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Parses a VOC annotation XML. Only the elements VOC uses are read (no general XML parser
 * needed); a file without `<annotation>` is a `bad-list`-free `unreadable` error.
 */
export function parseVocAnnotation(text: string, file?: string, classes: readonly string[] = VOC_CLASSES): VocAnnotation {
  const root = tag(text, 'annotation');
  if (root === undefined) throw new VocDataError('unreadable', 'not a VOC annotation (no <annotation> element)', { file });
  const size = tag(root, 'size');
  const objects: VocObject[] = [];
  const objectRe = /<object(?:\s[^>]*)?>([\s\S]*?)<\/object>/g;
  for (let m = objectRe.exec(root); m; m = objectRe.exec(root)) {
    const body = m[1]!.replace(/<part(?:\s[^>]*)?>[\s\S]*?<\/part>/g, ''); // person layout parts have their own <name>
    const name = tag(body, 'name') ?? '';
    const box = tag(body, 'bndbox');
    const num = (s: string | undefined) => (s === undefined ? NaN : Number(s));
    const bbox = box
      ? ([num(tag(box, 'xmin')), num(tag(box, 'ymin')), num(tag(box, 'xmax')), num(tag(box, 'ymax'))] as [number, number, number, number])
      : undefined;
    objects.push({
      name,
      classId: classes.indexOf(name),
      difficult: tag(body, 'difficult') === '1',
      truncated: tag(body, 'truncated') === '1',
      occluded: tag(body, 'occluded') === '1',
      ...(bbox?.every(Number.isFinite) ? { bbox } : {}),
    });
  }
  const filename = tag(root, 'filename');
  const width = size ? Number(tag(size, 'width')) : NaN;
  const height = size ? Number(tag(size, 'height')) : NaN;
  return {
    ...(filename !== undefined ? { filename } : {}),
    ...(Number.isFinite(width) ? { width } : {}),
    ...(Number.isFinite(height) ? { height } : {}),
    segmented: tag(root, 'segmented') === '1',
    objects,
  };
}

/**
 * The image-level tags of an annotation: sorted unique class ids (1..20) of its objects.
 * Unknown class names are a `bad-values` error naming the file.
 */
export function tagsFromAnnotation(annotation: VocAnnotation, file?: string): number[] {
  const ids = new Set<number>();
  for (const o of annotation.objects) {
    if (o.classId <= 0) throw new VocDataError('bad-values', `unknown class name ${JSON.stringify(o.name)}`, { file });
    ids.add(o.classId);
  }
  return [...ids].sort((a, b) => a - b);
}

/**
 * Reads a DCSP `ClassCategories/<id>.txt`: one class id per line (1..numClasses-1, background
 * excluded), in file order without repeats (DCSP's attention channels follow this order). Bad
 * lines are `bad-values` errors naming the file and line.
 */
export function parseClassCategories(text: string, file?: string, numClasses = 21): number[] {
  const ids = new Set<number>(); // insertion order = file order (DCSP's attention channel order)
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i]!.trim();
    if (!s) continue;
    const v = Number(s);
    if (!/^\d+$/.test(s) || v < 1 || v >= numClasses)
      throw new VocDataError('bad-values', `class id ${JSON.stringify(s)} is not in 1..${numClasses - 1}`, {
        file,
        where: `line ${i + 1}`,
      });
    ids.add(v);
  }
  return [...ids];
}

/** Writes a DCSP class-category file (one id per line, trailing newline). */
export function formatClassCategories(ids: readonly number[]): string {
  return ids.map((i) => `${i}\n`).join('');
}

/**
 * Multi-hot tag vector without background, as DCSP's `get_binarized_label_vector`:
 * length `numClasses - 1`, entry `id - 1` is 1 for every present class.
 */
export function tagVector(ids: readonly number[], numClasses = 21): Float32Array {
  const v = new Float32Array(numClasses - 1);
  for (const id of ids) if (id >= 1 && id < numClasses) v[id - 1] = 1;
  return v;
}

/** Tags present in a class label (ids 1..numClasses-1 that occur), for datasets without XML. */
export function tagsFromLabel(label: Uint8Array, numClasses = 21): number[] {
  const seen = new Uint8Array(256);
  for (let i = 0; i < label.length; i++) seen[label[i]!] = 1;
  const out: number[] = [];
  for (let c = 1; c < numClasses; c++) if (seen[c]) out.push(c);
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Writes a VOC-style annotation XML (used by the synthetic dataset maker). */
export function formatVocAnnotation(a: {
  folder?: string;
  filename: string;
  width: number;
  height: number;
  segmented?: boolean;
  objects: Array<Pick<VocObject, 'name' | 'bbox'> & Partial<VocObject>>;
}): string {
  const lines = [
    '<annotation>',
    `\t<folder>${escapeXml(a.folder ?? 'VOC2012')}</folder>`,
    `\t<filename>${escapeXml(a.filename)}</filename>`,
    '\t<size>',
    `\t\t<width>${a.width}</width>`,
    `\t\t<height>${a.height}</height>`,
    '\t\t<depth>3</depth>',
    '\t</size>',
    `\t<segmented>${a.segmented === false ? 0 : 1}</segmented>`,
  ];
  for (const o of a.objects) {
    lines.push(
      '\t<object>',
      `\t\t<name>${escapeXml(o.name)}</name>`,
      '\t\t<pose>Unspecified</pose>',
      `\t\t<truncated>${o.truncated ? 1 : 0}</truncated>`,
      `\t\t<occluded>${o.occluded ? 1 : 0}</occluded>`,
      `\t\t<difficult>${o.difficult ? 1 : 0}</difficult>`,
    );
    if (o.bbox)
      lines.push(
        '\t\t<bndbox>',
        `\t\t\t<xmin>${o.bbox[0]}</xmin>`,
        `\t\t\t<ymin>${o.bbox[1]}</ymin>`,
        `\t\t\t<xmax>${o.bbox[2]}</xmax>`,
        `\t\t\t<ymax>${o.bbox[3]}</ymax>`,
        '\t\t</bndbox>',
      );
    lines.push('\t</object>');
  }
  lines.push('</annotation>', '');
  return lines.join('\n');
}
