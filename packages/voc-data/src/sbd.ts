import { VocDataError } from './errors';
import { matToRowMajor, readMat, rowMajorToMat, writeMat, type MatValue } from './mat';

/** A label read from an SBD `.mat` file. */
export interface SbdLabel {
  /** `cls` (GTcls: class per pixel) or `inst` (GTinst: instance per pixel). */
  kind: 'cls' | 'inst';
  width: number;
  height: number;
  /** Row-major, one value per pixel (class 0..20 or instance 0..N; SBD has no void label). */
  data: Uint8Array;
  /** `inst` only: class id of instance i+1 (GTinst.Categories). */
  categories?: number[];
}

/**
 * Reads SBD's `cls/<id>.mat` (struct `GTcls`) or `inst/<id>.mat` (struct `GTinst`): the
 * `Segmentation` field, a column-major uint8 H×W matrix, becomes a row-major index image.
 */
export function readSbdLabel(bytes: Uint8Array, file?: string): SbdLabel {
  const vars = readMat(bytes, file);
  const entry = vars.get('GTcls')
    ? (['cls', vars.get('GTcls')!] as const)
    : vars.get('GTinst')
      ? (['inst', vars.get('GTinst')!] as const)
      : undefined;
  if (!entry)
    throw new VocDataError('bad-mat', `no GTcls or GTinst struct (variables: ${[...vars.keys()].join(', ') || 'none'})`, { file });
  const [kind, value] = entry;
  if (value.type !== 'struct' || value.elements.length === 0)
    throw new VocDataError('bad-mat', `${kind === 'cls' ? 'GTcls' : 'GTinst'} is not a struct`, { file });
  const seg = value.elements[0]!.Segmentation;
  if (!seg) throw new VocDataError('bad-mat', 'struct has no Segmentation field', { file });
  const m = matToRowMajor(seg, file, 'Segmentation');
  const data = new Uint8Array(m.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = m.data[i]!;
    if (!(v >= 0 && v <= 255 && Number.isInteger(v)))
      throw new VocDataError('bad-values', `Segmentation value ${v} is not an 8-bit index`, { file, where: `pixel ${i}` });
    data[i] = v;
  }
  const label: SbdLabel = { kind, width: m.width, height: m.height, data };
  if (kind === 'inst') {
    const cat = value.elements[0]!.Categories;
    if (cat && cat.type === 'numeric') label.categories = Array.from(cat.real);
  }
  return label;
}

/**
 * Writes a label in SBD's `.mat` layout (what the SBD release contains, for tests and synthetic
 * data): `GTcls` {Segmentation, Boundaries, CategoriesPresent} or `GTinst` {Segmentation,
 * Boundaries, Categories}, Boundaries as a cell of empty sparse matrices.
 */
export function writeSbdLabel(label: SbdLabel): Uint8Array {
  const seg = rowMajorToMat(label.data, label.height, label.width, 'uint8');
  const ids = new Set<number>();
  for (const v of label.data) if (v > 0) ids.add(v);
  const sorted = [...ids].sort((a, b) => a - b);
  const col = (values: number[]): MatValue => ({
    type: 'numeric',
    class: 'uint8',
    dims: [values.length, 1],
    real: Float64Array.from(values),
  });
  const boundaries: MatValue = {
    type: 'cell',
    dims: [label.kind === 'cls' ? 20 : sorted.length, 1],
    cells: Array.from({ length: label.kind === 'cls' ? 20 : sorted.length }, () => ({
      type: 'sparse' as const,
      dims: [label.height, label.width],
      ir: new Int32Array(0),
      jc: new Int32Array(label.width + 1),
      real: new Float64Array(0),
      logical: true,
    })),
  };
  if (label.kind === 'cls') {
    return writeMat({
      GTcls: {
        type: 'struct',
        dims: [1, 1],
        fields: ['Boundaries', 'Segmentation', 'CategoriesPresent'],
        elements: [{ Boundaries: boundaries, Segmentation: seg, CategoriesPresent: col(sorted) }],
      },
    });
  }
  return writeMat({
    GTinst: {
      type: 'struct',
      dims: [1, 1],
      fields: ['Segmentation', 'Boundaries', 'Categories'],
      elements: [{ Segmentation: seg, Boundaries: boundaries, Categories: col(label.categories ?? []) }],
    },
  });
}
