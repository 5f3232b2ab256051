/**
 * `@objsel/caffe-import`: Read Caffe .caffemodel and .prototxt files in pure TypeScript and convert DeepLab weights to the TensorFlow.js weights format.
 *
 * Browser-safe: this entry takes and returns bytes, or works over the {@link ReadableFiles} /
 * {@link WritableFiles} interfaces; Node's implementation of them lives in
 * `@objsel/caffe-import/node`.
 *
 * @packageDocumentation
 */
export { CaffeImportError, type CaffeImportErrorCode } from './errors';
export {
  DEFAULT_SHARD_BYTES,
  decodeWeights,
  encodeWeights,
  shardFileName,
  validateModelJson,
  type DecodeWeightsOptions,
  type EncodeWeightsOptions,
  type ObjselLayerSpec,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
  type WeightShard,
  type WeightsManifestGroup,
} from './weights-format';
export { forEachShard, planWeights } from './weights-format';
export {
  parseCaffemodel,
  type BlobEncoding,
  type CaffeBlob,
  type CaffeModel,
  type CaffeModelLayer,
  type ParseCaffemodelOptions,
} from './caffemodel';
export {
  parseTextFormat,
  messageField,
  repeatedField,
  scalarField,
  type ParseTextOptions,
  type TextField,
  type TextMessage,
  type TextScalar,
} from './text-format';
export {
  parsePrototxt,
  type ConvolutionSpec,
  type NetDefinition,
  type NetInput,
  type ParsePrototxtOptions,
  type PoolingSpec,
  type PrototxtLayer,
} from './prototxt';
export { buildLayerGraph, convOutputSize, poolOutputSize, type GraphInput, type GraphNode, type LayerGraph } from './graph';
export {
  convertCaffe,
  transposeOIHWtoHWIO,
  PARAM_LAYER_TYPES,
  type Conversion,
  type ConversionReport,
  type ConvertOptions,
} from './convert';
export { deeplabMeta, type DeeplabMetaOptions } from './deeplab-meta';
export { convertDeeplab, type ConvertDeeplabOptions, type DeeplabConversion } from './deeplab';
export {
  encodeCaffemodel,
  syntheticLayers,
  type BlobSpec,
  type EncodeCaffemodelOptions,
  type LayerSpec,
  type SyntheticOptions,
} from './synthetic';
export type { OnProgress, ProgressEvent } from './progress';
export {
  baseName,
  isNotFound,
  joinPath,
  listDir,
  normalizePath,
  parentPath,
  pathInside,
  readTextIfExists,
  tempSuffix,
  writeFileAtomic,
  type ReadableFiles,
  type WritableFiles,
} from './files';
export { filesFromMap } from './files-from-map';
export { URL_WEIGHTS_DIR, readOnlyFiles, urlFiles, type ReadFileOnly, type UrlFilesOptions } from './read-only-files';
export { MODEL_JSON, readWeightsDirWith, writeWeightsDirWith, type WriteWeightsDirOptions } from './weights-dir';
export * from './tf-checkpoint/index';
export {
  convertResnetCaffe,
  hasAsppHead,
  type BackboneReport,
  type ResnetConversion,
} from './resnet-backbone';
