/**
 * `@objsel/caffe-import`: Read Caffe .caffemodel and .prototxt files in pure TypeScript and convert DeepLab weights to the TensorFlow.js weights format.
 *
 * Browser-safe: this entry takes and returns bytes. File-system helpers live in
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
  type EncodeWeightsOptions,
  type ObjselLayerSpec,
  type ObjselModelJson,
  type ObjselNetworkMeta,
  type WeightEntry,
  type WeightShard,
  type WeightsManifestGroup,
} from './weights-format';
