/**
 * Binary `.caffemodel` reading: a `NetParameter` with current `layer` (field 100) or legacy V1
 * `layers` (field 2) entries and their blobs. Only the fields the converter and `inspect` need
 * are decoded; everything else (layer params, fork-specific fields such as DeepLab's
 * `interp_param` = 143) is skipped by wire type, never interpreted.
 */
import { CaffeImportError } from './errors';
import { v1TypeFromNumber } from './layer-types';
import type { OnProgress } from './progress';
import { WireReader, WireType } from './wire/reader';

/** How a blob's values were stored in the file. */
export type BlobEncoding = 'packed' | 'unpacked' | 'mixed' | 'double' | 'empty';

/** One parameter blob of a layer. */
export interface CaffeBlob {
  /** Dimensions: `shape.dim`, else legacy [num, channels, height, width], else [count]. */
  shape: number[];
  /** True when the shape came from the legacy num/channels/height/width fields. */
  legacyShape: boolean;
  /** The values (float32; `double_data` is rounded to float32). */
  data: Float32Array;
  /** How the values were stored. */
  encoding: BlobEncoding;
  /** True when `data` is a view into the parsed bytes rather than a copy. */
  isView: boolean;
  /** Byte offset of the BlobProto message in the file. */
  offset: number;
}

/** One layer of a `.caffemodel`. */
export interface CaffeModelLayer {
  /** Layer name. */
  name: string;
  /** Type name (V1 enum values mapped to current names; `''` when V1 says NONE or is unknown). */
  type: string;
  /** V1 enum number, for legacy layers. */
  v1Type?: number;
  /** Input blob names. */
  bottoms: string[];
  /** Output blob names. */
  tops: string[];
  /** Parameter blobs in Caffe order. */
  blobs: CaffeBlob[];
  /** Byte offset of the layer message in the file. */
  offset: number;
}

/** A parsed `.caffemodel`. */
export interface CaffeModel {
  /** `NetParameter.name`. */
  name: string;
  /** Which layer field the file uses (`none`: no layers at all). */
  format: 'layer' | 'layers' | 'none';
  /** Layers in file order. */
  layers: CaffeModelLayer[];
  /** Legacy net inputs (`input`). */
  inputs: string[];
  /** Legacy input dimensions (`input_dim`, 4 per input). */
  inputDims: number[];
  /** `input_shape` entries. */
  inputShapes: number[][];
  /** Size of the parsed bytes. */
  byteLength: number;
}

/** Options of {@link parseCaffemodel}. */
export interface ParseCaffemodelOptions {
  /** File name for error messages. */
  file?: string;
  /**
   * Let the parser overwrite `bytes`: misaligned float data is moved by up to 3 bytes inside the
   * buffer (over protobuf framing it has already read) so that every blob is a Float32Array view
   * and nothing is copied. The bytes are no longer a valid caffemodel afterwards. Default false:
   * misaligned data is copied once and `bytes` is left untouched.
   */
  reuseBuffer?: boolean;
  /** Progress in bytes (task `parse-caffemodel`). */
  onProgress?: OnProgress;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const PROGRESS_STEP = 16 * 1024 * 1024;

/** Magic numbers of common non-Caffe files, for a helpful `not-caffe` error. */
const MAGIC: Array<[number[], string]> = [
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [[0x50, 0x4b, 0x03, 0x04], 'a ZIP archive (PyTorch .pt/.pth files are ZIP archives)'],
  [[0x1f, 0x8b], 'a gzip file (decompress it first)'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy file'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file (Keras .h5?)'],
  [[0x7b], 'JSON text'],
];

function sniff(bytes: Uint8Array): string | undefined {
  for (const [magic, what] of MAGIC) {
    if (bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b)) return what;
  }
  // Text prototxt: printable ASCII that starts (after whitespace/comments) with `key:` or `key {`.
  const headBytes = bytes.subarray(0, 256);
  if (!headBytes.every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127))) return undefined;
  const head = new TextDecoder('utf-8', { fatal: false }).decode(headBytes);
  if (/^(\s|#[^\n]*\n)*[A-Za-z_][A-Za-z0-9_]*\s*[:{]/.test(head)) return 'a text file (a .prototxt? use it as --prototxt)';
  return undefined;
}

/** Parses state shared by the whole file. */
class ModelParser {
  private nextProgress = PROGRESS_STEP;
  /** End of the last region handed out as a view: in-place moves never reach below it. */
  private viewGuard = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ParseCaffemodelOptions,
  ) {}

  reader(start: number, end: number): WireReader {
    return new WireReader(this.bytes, start, end, this.options.file);
  }

  progress(pos: number): void {
    if (this.options.onProgress && pos >= this.nextProgress) {
      this.nextProgress = pos + PROGRESS_STEP;
      this.options.onProgress({ task: 'parse-caffemodel', done: pos, total: this.bytes.length });
    }
  }

  parseNet(): CaffeModel {
    const bytes = this.bytes;
    const r = this.reader(0, bytes.length);
    const model: CaffeModel = {
      name: '',
      format: 'none',
      layers: [],
      inputs: [],
      inputDims: [],
      inputShapes: [],
      byteLength: bytes.length,
    };
    let sawLayer = false;
    let sawLayers = false;
    let known = 0;
    if (bytes.length === 0) throw r.error('not-caffe', 'expected a binary Caffe NetParameter (.caffemodel), the file is empty', 0);
    const what = sniff(bytes);
    if (what) throw r.error('not-caffe', `expected a binary Caffe NetParameter (.caffemodel), this looks like ${what}`, 0);
    try {
      while (r.more()) {
        const at = r.pos;
        const [field, wire] = r.tag();
        switch (field) {
          case 1:
            r.expect(wire, WireType.LENGTH_DELIMITED, 'NetParameter.name (1)', at);
            known++;
            model.name = r.string();
            break;
          case 2: {
            r.expect(wire, WireType.LENGTH_DELIMITED, 'NetParameter.layers (2, V1LayerParameter)', at);
            known++;
            const [s, e] = r.lengthDelimited();
            model.layers.push(this.parseV1Layer(s, e, at));
            sawLayers = true;
            break;
          }
          case 3:
            r.expect(wire, WireType.LENGTH_DELIMITED, 'NetParameter.input (3)', at);
            known++;
            model.inputs.push(r.string());
            break;
          case 4:
            known++;
            this.readInts(r, wire, 'NetParameter.input_dim (4)', at, model.inputDims);
            break;
          case 8: {
            r.expect(wire, WireType.LENGTH_DELIMITED, 'NetParameter.input_shape (8)', at);
            known++;
            const [s, e] = r.lengthDelimited();
            model.inputShapes.push(this.parseBlobShape(s, e));
            break;
          }
          case 100: {
            r.expect(wire, WireType.LENGTH_DELIMITED, 'NetParameter.layer (100, LayerParameter)', at);
            known++;
            const [s, e] = r.lengthDelimited();
            model.layers.push(this.parseLayer(s, e, at));
            sawLayer = true;
            break;
          }
          default:
            r.skip(wire, field, at);
        }
        this.progress(r.pos);
      }
    } catch (error) {
      // A file that fails before any NetParameter field was recognised is most likely not Caffe.
      if (known === 0 && error instanceof CaffeImportError && error.code !== 'not-caffe') {
        throw new CaffeImportError('not-caffe', `expected a binary Caffe NetParameter (.caffemodel): ${error.detail}`, {
          ...(this.options.file === undefined ? {} : { file: this.options.file }),
          ...(error.where === undefined ? {} : { where: error.where }),
          cause: error,
        });
      }
      throw error;
    }
    if (bytes.length > 0 && known === 0) {
      throw r.error('not-caffe', 'expected a binary Caffe NetParameter (.caffemodel): no name, layer or input field found', 0);
    }
    if (sawLayer && sawLayers) {
      throw r.error('unsupported', "the file has both 'layer' (100) and legacy 'layers' (2) entries; Caffe refuses such files too", 0);
    }
    model.format = sawLayer ? 'layer' : sawLayers ? 'layers' : 'none';
    this.options.onProgress?.({ task: 'parse-caffemodel', done: bytes.length, total: bytes.length });
    return model;
  }

  /** Repeated int32/int64 field, packed or not. */
  readInts(r: WireReader, wire: number, what: string, at: number, out: number[]): void {
    if (wire === WireType.VARINT) {
      out.push(r.varint());
    } else if (wire === WireType.LENGTH_DELIMITED) {
      const [s, e] = r.lengthDelimited();
      const inner = this.reader(s, e);
      while (inner.more()) out.push(inner.varint());
    } else {
      throw r.error('bad-wire-type', `${what} has wire type ${wire}, expected varint or packed`, at);
    }
  }

  parseLayer(start: number, end: number, offset: number): CaffeModelLayer {
    const r = this.reader(start, end);
    const layer: CaffeModelLayer = { name: '', type: '', bottoms: [], tops: [], blobs: [], offset };
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      switch (field) {
        case 1:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'LayerParameter.name (1)', at);
          layer.name = r.string();
          break;
        case 2:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'LayerParameter.type (2)', at);
          layer.type = r.string();
          break;
        case 3:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'LayerParameter.bottom (3)', at);
          layer.bottoms.push(r.string());
          break;
        case 4:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'LayerParameter.top (4)', at);
          layer.tops.push(r.string());
          break;
        case 7: {
          r.expect(wire, WireType.LENGTH_DELIMITED, 'LayerParameter.blobs (7)', at);
          const [s, e] = r.lengthDelimited();
          layer.blobs.push(this.parseBlob(s, e, at, layer.name));
          break;
        }
        default:
          r.skip(wire, field, at);
      }
    }
    return layer;
  }

  parseV1Layer(start: number, end: number, offset: number): CaffeModelLayer {
    const r = this.reader(start, end);
    const layer: CaffeModelLayer = { name: '', type: '', bottoms: [], tops: [], blobs: [], offset };
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      switch (field) {
        case 1:
          throw r.error(
            'unsupported',
            'V0 layer definitions (V1LayerParameter.layer, pre-2014 Caffe) are not supported; upgrade the file with Caffe first',
            at,
          );
        case 2:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'V1LayerParameter.bottom (2)', at);
          layer.bottoms.push(r.string());
          break;
        case 3:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'V1LayerParameter.top (3)', at);
          layer.tops.push(r.string());
          break;
        case 4:
          r.expect(wire, WireType.LENGTH_DELIMITED, 'V1LayerParameter.name (4)', at);
          layer.name = r.string();
          break;
        case 5: {
          r.expect(wire, WireType.VARINT, 'V1LayerParameter.type (5)', at);
          const v = r.int32();
          layer.v1Type = v;
          layer.type = v1TypeFromNumber(v) ?? '';
          break;
        }
        case 6: {
          r.expect(wire, WireType.LENGTH_DELIMITED, 'V1LayerParameter.blobs (6)', at);
          const [s, e] = r.lengthDelimited();
          layer.blobs.push(this.parseBlob(s, e, at, layer.name));
          break;
        }
        default:
          r.skip(wire, field, at);
      }
    }
    return layer;
  }

  parseBlobShape(start: number, end: number): number[] {
    const r = this.reader(start, end);
    const dims: number[] = [];
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      if (field === 1) this.readInts(r, wire, 'BlobShape.dim (1)', at, dims);
      else r.skip(wire, field, at);
    }
    dims.forEach((d) => {
      if (d < 0) throw this.reader(start, end).error('shape-mismatch', `blob dimension ${d} is negative`, start);
    });
    return dims;
  }

  parseBlob(start: number, end: number, offset: number, layerName: string): CaffeBlob {
    const r = this.reader(start, end);
    const legacy = [0, 0, 0, 0];
    let hasLegacy = false;
    let shape: number[] | undefined;
    // Pass 1: find where the values are; count them from byte lengths (bounded by the message).
    const packed: Array<[number, number]> = [];
    let unpackedFloats = 0;
    let doubles = 0;
    let hasDoubleFields = false;
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      switch (field) {
        case 1:
        case 2:
        case 3:
        case 4:
          r.expect(wire, WireType.VARINT, `BlobProto.${['num', 'channels', 'height', 'width'][field - 1]} (${field})`, at);
          legacy[field - 1] = r.int32();
          hasLegacy = true;
          break;
        case 5:
          if (wire === WireType.LENGTH_DELIMITED) {
            const [s, e] = r.lengthDelimited();
            if ((e - s) % 4 !== 0) throw r.error('bad-length', `packed float data of ${e - s} bytes is not a multiple of 4`, at);
            packed.push([s, e]);
          } else if (wire === WireType.FIXED32) {
            r.float32();
            unpackedFloats++;
          } else {
            throw r.error('bad-wire-type', `BlobProto.data (5) has wire type ${wire}, expected packed or fixed32`, at);
          }
          break;
        case 7: {
          r.expect(wire, WireType.LENGTH_DELIMITED, 'BlobProto.shape (7)', at);
          const [s, e] = r.lengthDelimited();
          shape = this.parseBlobShape(s, e);
          break;
        }
        case 8:
          hasDoubleFields = true;
          if (wire === WireType.LENGTH_DELIMITED) {
            const [s, e] = r.lengthDelimited();
            if ((e - s) % 8 !== 0) throw r.error('bad-length', `packed double data of ${e - s} bytes is not a multiple of 8`, at);
            doubles += (e - s) / 8;
          } else if (wire === WireType.FIXED64) {
            r.float64();
            doubles++;
          } else {
            throw r.error('bad-wire-type', `BlobProto.double_data (8) has wire type ${wire}, expected packed or fixed64`, at);
          }
          break;
        case 6:
        case 9:
          // diff / double_diff: gradients, not needed; still checked for a sane wire type.
          if (wire !== WireType.LENGTH_DELIMITED && wire !== (field === 6 ? WireType.FIXED32 : WireType.FIXED64)) {
            throw r.error('bad-wire-type', `BlobProto.${field === 6 ? 'diff' : 'double_diff'} (${field}) has wire type ${wire}`, at);
          }
          r.skip(wire, field, at);
          break;
        default:
          r.skip(wire, field, at);
      }
    }
    const packedFloats = packed.reduce((n, [s, e]) => n + (e - s) / 4, 0);
    let data: Float32Array;
    let encoding: BlobEncoding;
    let isView = false;
    if (doubles > 0 || (hasDoubleFields && packedFloats + unpackedFloats === 0)) {
      // Caffe reads double_data whenever it is present.
      data = new Float32Array(doubles);
      this.fillDoubles(start, end, data);
      encoding = doubles > 0 ? 'double' : 'empty';
    } else if (unpackedFloats === 0 && packed.length === 1) {
      const [s, e] = packed[0]!;
      ({ data, isView } = this.floatsAt(s, e));
      encoding = 'packed';
    } else if (packedFloats + unpackedFloats > 0) {
      data = new Float32Array(packedFloats + unpackedFloats);
      this.fillFloats(start, end, data);
      encoding = unpackedFloats === 0 ? 'packed' : packed.length === 0 ? 'unpacked' : 'mixed';
    } else {
      data = new Float32Array(0);
      encoding = 'empty';
    }
    let finalShape: number[];
    if (shape) finalShape = shape;
    else if (hasLegacy) finalShape = legacy;
    else finalShape = [data.length];
    const count = finalShape.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw r.error(
        'shape-mismatch',
        `blob of layer '${layerName || '?'}' declares shape [${finalShape.join(',')}] (${count} values) but holds ${data.length} value(s)`,
        offset,
      );
    }
    return { shape: finalShape, legacyShape: !shape && hasLegacy, data, encoding, isView, offset };
  }

  /** The float32 values in bytes [s, e): a view when aligned (or moved into alignment), else a copy. */
  floatsAt(s: number, e: number): { data: Float32Array; isView: boolean } {
    const bytes = this.bytes;
    const n = (e - s) / 4;
    if (!LITTLE_ENDIAN_HOST) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + s, e - s);
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      return { data, isView: false };
    }
    const absolute = bytes.byteOffset + s;
    const misalign = absolute % 4;
    if (misalign === 0) {
      this.viewGuard = e;
      return { data: new Float32Array(bytes.buffer, absolute, n), isView: true };
    }
    if (this.options.reuseBuffer && s - misalign >= this.viewGuard) {
      // Move the values back over this field's tag and length (already read) into alignment.
      bytes.copyWithin(s - misalign, s, e);
      this.viewGuard = e - misalign;
      return { data: new Float32Array(bytes.buffer, absolute - misalign, n), isView: true };
    }
    // (Not bytes.slice: on a Node Buffer that is a view, not a copy.)
    const copy = new Uint8Array(e - s);
    copy.set(bytes.subarray(s, e));
    return { data: new Float32Array(copy.buffer), isView: false };
  }

  /** Pass 2 for blobs with unpacked or several packed float fields: values in file order. */
  fillFloats(start: number, end: number, out: Float32Array): void {
    const r = this.reader(start, end);
    const view = r.view();
    let i = 0;
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      if (field === 5 && wire === WireType.LENGTH_DELIMITED) {
        const [s, e] = r.lengthDelimited();
        for (let p = s; p < e; p += 4) out[i++] = view.getFloat32(p, true);
      } else if (field === 5 && wire === WireType.FIXED32) {
        out[i++] = r.float32();
      } else {
        r.skip(wire, field, at);
      }
    }
  }

  /** Pass 2 for double_data: values rounded to float32, in file order. */
  fillDoubles(start: number, end: number, out: Float32Array): void {
    const r = this.reader(start, end);
    const view = r.view();
    let i = 0;
    while (r.more()) {
      const at = r.pos;
      const [field, wire] = r.tag();
      if (field === 8 && wire === WireType.LENGTH_DELIMITED) {
        const [s, e] = r.lengthDelimited();
        for (let p = s; p < e; p += 8) out[i++] = view.getFloat64(p, true);
      } else if (field === 8 && wire === WireType.FIXED64) {
        out[i++] = r.float64();
      } else {
        r.skip(wire, field, at);
      }
    }
  }
}

/**
 * Parses a binary `.caffemodel` (a serialized `caffe.NetParameter`). Float data becomes
 * Float32Array views on `bytes` where 4-byte aligned and one copy otherwise (or, with
 * `reuseBuffer`, views everywhere); no per-number objects are made.
 *
 * @throws CaffeImportError `truncated`, `bad-wire-type`, `bad-length` (with the byte offset),
 * `shape-mismatch` (a blob's shape disagrees with its value count), `not-caffe`, `unsupported`.
 */
export function parseCaffemodel(bytes: Uint8Array, options: ParseCaffemodelOptions = {}): CaffeModel {
  return new ModelParser(bytes, options).parseNet();
}
