/**
 * TensorFlow checkpoints (V1 and V2) in and out, without TensorFlow: the LevelDB-format table,
 * CRC-32C, Snappy blocks, the bundle and saved-slice protos, path resolution, the mapping to
 * objsel weights and a V2 writer. Browser-safe: files come through `ReadableFiles` (Node's `nodeFileSystem`, `filesFromMap`).
 *
 * @module
 */
export { crc32c, maskCrc32c } from './crc32c';
export { TfTable } from './table-reader';
export type { Block, BlockEntry } from './block';
export { hasTableMagic } from './footer';
export { buildTable, type TableWriterOptions } from './table-writer';
export { tensorSliceKey } from './ordered-code';
export { DT, dtypeName, type TfDtype, type TfTensorData } from './dtypes';
export type { SliceExtent } from './tensor-protos';
export type { BundleHeader } from './bundle-protos';
export type { TfTensor, TfTensorInfo } from './tensor';
export { CHECKPOINT_STATE_FILE, dataShardName, resolveTfCheckpoint, type ResolvedTfCheckpoint } from './paths';
export {
  listTfCheckpoint,
  readTfCheckpoint,
  type ReadTfCheckpointOptions,
  type TfCheckpointContents,
  type TfCheckpointListing,
} from './read';
export {
  classifyTfVariable,
  inferResnetLayout,
  tfCheckpointToWeights,
  type SkippedTensor,
  type TfConversionReport,
  type TfToWeightsOptions,
  type TfWeights,
} from './to-weights';
export { convertTfCheckpoint, type TfCheckpointConversion } from './convert-checkpoint';
export {
  RESNET_BLOCKS,
  convLayerSpecs,
  layoutConvs,
  layoutLayerSpecs,
  layoutVariables,
  type LayoutConv,
  type ResnetLayout,
} from './resnet-layout';
export {
  tfCheckpointV2Parts,
  writeTfCheckpointV2,
  type TfCheckpointV2Parts,
  type TfCheckpointV2Files,
  type TfTensorToWrite,
  type WriteTfCheckpointV2Options,
} from './v2-writer';
