/**
 * What an exported ONNX file says about itself in `ModelProto.metadata_props` (string key/value
 * pairs), and reading it back.
 */
import protobuf from 'protobufjs/light.js';
import { DeeplabError } from '../errors';
import { FieldNumber, onnxTypes, type StringStringEntry } from './proto';

/** The metadata of an objsel ONNX model, as typed values. */
export interface OnnxModelInfo {
  /** `deeplab-v2-resnet`. */
  architecture: string;
  /** Channels of `fc1_voc12` (21 for PASCAL VOC, 1 for the interactive model). */
  classes: number;
  /** Class names, when the exporter was told them. */
  classNames?: string[];
  /** Channels of the input `data` (3, or 5 for interactive selection). */
  inputChannels: number;
  /** What each input channel holds, in order (`B`, `G`, `R`, then `positive_click_distance`, `negative_click_distance`). */
  inputChannelNames: string[];
  /** Per-channel mean subtracted from the input, in input-channel order (so B, G, R first). */
  inputMean: number[];
  /** One sentence on the input, for people. */
  inputDescription: string;
  /** BatchNorm epsilon the folding used. */
  bnEpsilon: number;
  /** Residual units of res2..res5. */
  blocks: number[];
  /** Channel width multiplier (1 = the published network). */
  widthMultiplier: number;
  /** ASPP dilation rates. */
  asppRates: number[];
  /** Logits are at 1/outputStride of the input (8: `ceil(ceil(ceil(n/2)/2)/2)`). */
  outputStride: number;
  /** The weights exported: a name or a hash (`sha256:…`), as the exporter was told. */
  sourceWeights: string;
  /** Version of @objsel/deeplab-resnet that wrote the file. */
  objselVersion: string;
  /** Graph outputs and what they hold. */
  outputs: Record<string, string>;
}

/** `metadata_props` keys, by {@link OnnxModelInfo} field. */
export const ONNX_METADATA_KEYS = {
  architecture: 'architecture',
  classes: 'classes',
  classNames: 'class_names',
  inputChannels: 'input_channels',
  inputChannelNames: 'input_channel_names',
  inputMean: 'input_mean',
  inputDescription: 'input_description',
  bnEpsilon: 'bn_epsilon',
  blocks: 'blocks',
  widthMultiplier: 'width_multiplier',
  asppRates: 'aspp_rates',
  outputStride: 'output_stride',
  sourceWeights: 'source_weights',
  objselVersion: 'objsel_version',
  outputs: 'outputs',
} as const satisfies Record<keyof OnnxModelInfo, string>;

/** Numbers are written in JavaScript's shortest round-trip form; lists and maps as JSON. */
export function infoToMetadata(info: OnnxModelInfo): StringStringEntry[] {
  const entries: StringStringEntry[] = [];
  for (const [field, key] of Object.entries(ONNX_METADATA_KEYS) as Array<[keyof OnnxModelInfo, string]>) {
    const value = info[field];
    if (value === undefined) continue;
    entries.push({ key, value: typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value) });
  }
  return entries;
}

function parseNumber(key: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(n))
    throw new DeeplabError('bad-weights', `metadata ${key} is not a number`, { where: key });
  return n;
}

function parseJson<T>(key: string, text: string | undefined, check: (v: unknown) => boolean): T {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '');
  } catch {
    throw new DeeplabError('bad-weights', `metadata ${key} is not JSON`, { where: key });
  }
  if (!check(value)) throw new DeeplabError('bad-weights', `metadata ${key} has an unexpected form`, { where: key });
  return value as T;
}

const isNumbers = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number');
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isStringMap = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/**
 * The `metadata_props` of a model file, or of its beginning: walks the top-level fields of
 * `ModelProto` and decodes only field 14, skipping the rest (the graph with its weights) by
 * length. A field cut off by the end of the bytes ends the walk, so the first kilobytes of a
 * file {@link exportOnnx} wrote (which puts the metadata before the graph) are enough.
 */
export function readMetadataProps(bytes: Uint8Array): StringStringEntry[] {
  const { StringStringEntryProto } = onnxTypes();
  const reader = protobuf.Reader.create(bytes);
  const props: StringStringEntry[] = [];
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2) {
      const length = reader.uint32();
      if (reader.pos + length > reader.len) break;
      if (field === FieldNumber.modelMetadataProps) {
        const entry = StringStringEntryProto.decode(bytes.subarray(reader.pos, reader.pos + length));
        props.push(StringStringEntryProto.toObject(entry) as StringStringEntry);
      }
      reader.skip(length);
    } else {
      reader.skipType(wire);
    }
  }
  return props;
}

/**
 * The objsel metadata of an ONNX model file, from the whole file or its first kilobytes (see
 * {@link readMetadataProps}; 64 KiB is plenty).
 *
 * @throws DeeplabError `bad-weights` when the bytes are not an ONNX model written by objsel.
 */
export function readOnnxInfo(model: Uint8Array): OnnxModelInfo {
  let props: StringStringEntry[];
  try {
    props = readMetadataProps(model);
  } catch (error) {
    throw new DeeplabError('bad-weights', `not an ONNX model: ${(error as Error).message}`, { cause: error });
  }
  const map = new Map(props.map((p) => [p.key, p.value]));
  const k = ONNX_METADATA_KEYS;
  const text = (key: string): string => {
    const v = map.get(key);
    if (v === undefined)
      throw new DeeplabError('bad-weights', `the ONNX model has no ${key} metadata (not exported by objsel?)`, { where: key });
    return v;
  };
  const info: OnnxModelInfo = {
    architecture: text(k.architecture),
    classes: parseNumber(k.classes, text(k.classes)),
    inputChannels: parseNumber(k.inputChannels, text(k.inputChannels)),
    inputChannelNames: parseJson(k.inputChannelNames, text(k.inputChannelNames), isStrings),
    inputMean: parseJson(k.inputMean, text(k.inputMean), isNumbers),
    inputDescription: text(k.inputDescription),
    bnEpsilon: parseNumber(k.bnEpsilon, text(k.bnEpsilon)),
    blocks: parseJson(k.blocks, text(k.blocks), isNumbers),
    widthMultiplier: parseNumber(k.widthMultiplier, text(k.widthMultiplier)),
    asppRates: parseJson(k.asppRates, text(k.asppRates), isNumbers),
    outputStride: parseNumber(k.outputStride, text(k.outputStride)),
    sourceWeights: text(k.sourceWeights),
    objselVersion: text(k.objselVersion),
    outputs: parseJson(k.outputs, text(k.outputs), isStringMap),
  };
  if (map.has(k.classNames)) info.classNames = parseJson(k.classNames, map.get(k.classNames), isStrings);
  return info;
}
