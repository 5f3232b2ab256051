/**
 * TensorFlow V1 checkpoints (`tensorflow/core/util/saved_tensor_slice.proto`,
 * `tensor_slice_reader.cc`): one table (or V1 shards, each a table) whose empty key holds a
 * SavedTensorSlices with `meta` (1): SavedTensorSliceMeta {`tensor` 1: SavedSliceMeta {`name` 1,
 * `shape` 2, `type` 3, `slice` 4}}; every other key is `EncodeTensorNameSlice(name, slice)` and
 * holds a SavedTensorSlices with `data` (2): SavedSlice {`name` 1, `slice` 2, `data` 3:
 * TensorProto with only the values, in `float_val`, `tensor_content`, ...}.
 */
import { WireReader, WireType } from '../wire/reader';
import { dtypeName, tfDtype } from './dtypes';
import { ckptError } from './fail';
import { tensorSliceKey } from './ordered-code';
import { assembleSlices, checkSlice, sliceShape } from './slices';
import type { TfTable } from './table-reader';
import type { TfTensor, TfTensorInfo } from './tensor';
import {
  decodeMessage,
  decodeShape,
  decodeSlice,
  decodeTensorValues,
  elementCount,
  nested,
  type SliceExtent,
  type ValuesMode,
} from './tensor-protos';

/** SavedSliceMeta: a tensor and the slices of it that one file holds. */
interface SliceMeta {
  name: string;
  shape: number[];
  type: number;
  slices: SliceExtent[][];
}

/** The fields of a SavedTensorSlices found: the meta's tensors, or the data's name/slice and the TensorProto's place. */
function decodeSavedTensorSlices(r: WireReader): {
  meta?: SliceMeta[];
  data?: { name: string; slice: SliceExtent[]; tensor?: [number, number] };
} {
  const out: ReturnType<typeof decodeSavedTensorSlices> = {};
  while (r.more()) {
    const at = r.pos;
    const [field, wire] = r.tag();
    if (field === 1) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'SavedTensorSlices.meta', at);
      const m = nested(r);
      out.meta ??= [];
      while (m.more()) {
        const mAt = m.pos;
        const [f, w] = m.tag();
        if (f !== 1) {
          m.skip(w, f, mAt);
          continue;
        }
        m.expect(w, WireType.LENGTH_DELIMITED, 'SavedTensorSliceMeta.tensor', mAt);
        const t = nested(m);
        const meta: SliceMeta = { name: '', shape: [], type: 0, slices: [] };
        while (t.more()) {
          const tAt = t.pos;
          const [tf, tw] = t.tag();
          if (tf === 1) {
            t.expect(tw, WireType.LENGTH_DELIMITED, 'SavedSliceMeta.name', tAt);
            meta.name = t.string();
          } else if (tf === 2) {
            t.expect(tw, WireType.LENGTH_DELIMITED, 'SavedSliceMeta.shape', tAt);
            meta.shape = decodeShape(nested(t));
          } else if (tf === 3) {
            t.expect(tw, WireType.VARINT, 'SavedSliceMeta.type', tAt);
            meta.type = t.int32();
          } else if (tf === 4) {
            t.expect(tw, WireType.LENGTH_DELIMITED, 'SavedSliceMeta.slice', tAt);
            meta.slices.push(decodeSlice(nested(t)));
          } else t.skip(tw, tf, tAt);
        }
        out.meta.push(meta);
      }
    } else if (field === 2) {
      r.expect(wire, WireType.LENGTH_DELIMITED, 'SavedTensorSlices.data', at);
      const d = nested(r);
      const data: NonNullable<typeof out.data> = { name: '', slice: [] };
      while (d.more()) {
        const dAt = d.pos;
        const [f, w] = d.tag();
        if (f === 1) {
          d.expect(w, WireType.LENGTH_DELIMITED, 'SavedSlice.name', dAt);
          data.name = d.string();
        } else if (f === 2) {
          d.expect(w, WireType.LENGTH_DELIMITED, 'SavedSlice.slice', dAt);
          data.slice = decodeSlice(nested(d));
        } else if (f === 3) {
          d.expect(w, WireType.LENGTH_DELIMITED, 'SavedSlice.data', dAt);
          data.tensor = d.lengthDelimited();
        } else d.skip(w, f, dAt);
      }
      out.data = data;
    } else r.skip(wire, field, at);
  }
  return out;
}

/** One V1 table file and its table of contents. */
interface V1File {
  table: TfTable;
  file: string | undefined;
}

/** A V1 checkpoint: one or more table files and the merged table of contents. */
export class V1Checkpoint {
  /** Tensors by name: shape, type and where each stored slice is. */
  private readonly tensors = new Map<string, { shape: number[]; type: number; stored: Array<{ extents: SliceExtent[]; file: V1File }> }>();

  /**
   * Reads the table of contents of each file.
   *
   * @throws CaffeImportError naming the file: table errors, `bad-checkpoint` when a file has no
   * table of contents or two files disagree on a tensor's shape or type.
   */
  constructor(files: ReadonlyArray<{ table: TfTable; file?: string }>) {
    for (const { table, file } of files) {
      const f: V1File = { table, file };
      const toc = table.get('');
      if (toc === undefined)
        throw ckptError('bad-checkpoint', 'not a V1 checkpoint: the table has no table of contents (empty key)', file, 'key ""');
      const { meta } = decodeMessage(toc, file, 'table of contents', (r) => decodeSavedTensorSlices(r));
      if (!meta) throw ckptError('bad-checkpoint', 'not a V1 checkpoint: the empty key holds no SavedTensorSliceMeta', file, 'key ""');
      for (const m of meta) {
        const where = `table of contents, tensor "${m.name}"`;
        elementCount(m.shape, file, where);
        const known = this.tensors.get(m.name);
        if (known && (known.type !== m.type || known.shape.join(',') !== m.shape.join(','))) {
          throw ckptError('bad-checkpoint', "the V1 shards disagree on this tensor's shape or type", file, where);
        }
        const entry = known ?? { shape: m.shape, type: m.type, stored: [] };
        for (const s of m.slices) {
          checkSlice(m.shape, s, file, where);
          entry.stored.push({ extents: s, file: f });
        }
        this.tensors.set(m.name, entry);
      }
    }
  }

  /** Every tensor, by name. */
  list(): TfTensorInfo[] {
    return [...this.tensors]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, t]) => ({
        name,
        dtype: tfDtype(t.type) ?? null,
        tfDtype: dtypeName(t.type),
        shape: [...t.shape],
        slices: t.stored.length,
      }));
  }

  /**
   * Tensor `name`'s values, assembled from its slices. `mode` as {@link ValuesMode}: with
   * `in-place` the file's bytes are rearranged and the tensor cannot be read a second time.
   *
   * @throws CaffeImportError naming the file and tensor: `unsupported` element types,
   * `bad-checkpoint` for a missing or inconsistent slice entry, `shape-mismatch` when a
   * TensorProto's size disagrees with its slice's shape.
   */
  read(name: string, mode: ValuesMode = 'view'): TfTensor {
    const t = this.tensors.get(name);
    const first = t?.stored[0]?.file.file;
    const where = `tensor "${name}"`;
    if (!t) throw ckptError('bad-checkpoint', 'no such tensor in the checkpoint', undefined, where);
    const dtype = tfDtype(t.type);
    if (!dtype)
      throw ckptError(
        'unsupported',
        `element type ${dtypeName(t.type)} is not supported (float32, float64, int32, int64 are)`,
        first,
        where,
      );
    const parts = t.stored.map(({ extents, file: { table, file } }, i) => {
      const place = t.stored.length > 1 ? `${where} slice ${i}` : where;
      const value = table.get(tensorSliceKey(name, extents));
      if (value === undefined) throw ckptError('bad-checkpoint', 'the table of contents lists a slice that has no data entry', file, place);
      return decodeMessage(value, file, place, (r) => {
        const { data } = decodeSavedTensorSlices(r);
        if (!data) throw ckptError('bad-checkpoint', 'the data entry holds no SavedSlice', undefined, place);
        if (data.name !== name) throw ckptError('bad-checkpoint', `the data entry is named "${data.name}"`, undefined, place);
        const count = elementCount(sliceShape(t.shape, extents), file, place);
        // An absent TensorProto is an empty one (proto3 writers may leave out empty messages).
        const [s, e] = data.tensor ?? [0, 0];
        const values = decodeTensorValues(new WireReader(r.bytes, s, e, r.file), dtype, count, () => place, mode);
        return { extents, data: values };
      });
    });
    return { name, dtype, shape: [...t.shape], data: assembleSlices(t.shape, dtype, parts, first, where) };
  }
}
