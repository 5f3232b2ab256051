/**
 * `@objsel/deeplab-resnet`: the DeepLab-v2 ResNet network on TensorFlow.js, with backend
 * selection for Node (tfjs-node-gpu, wasm, cpu) and browsers (WebGPU, wasm).
 *
 * @packageDocumentation
 */
export { DeeplabError, type DeeplabErrorCode } from './errors';
export { BACKEND_NAMES, loadBackend, onBackendPrepare, type BackendName, type LoadedBackend } from './backend';
export { ASPP_RATES, CAFFE_BN_EPSILON, RESNET_BLOCKS, resnetConfig, validateConfig, type DeepLabConfig } from './model/config';
export {
  allConvs,
  bnNameFor,
  logitsSize,
  networkSpec,
  scaledChannels,
  unitNames,
  variableSpecs,
  type ConvSpec,
  type NetworkSpec,
  type UnitSpec,
  type VariableKind,
  type VariableSpec,
} from './model/architecture';
export { DeepLabResNet, configFromMeta, type BatchStat, type ForwardOptions, type ForwardResult } from './model/deeplab';
export { atrousConv2d } from './ops/atrous';
export { atrousDimPlan, atrousPlan, samePadding, type AtrousDimPlan, type AtrousPlan, type DimPadding, type SamePadding } from './ops/padding';
export { borrowCpuKernel, registerConvGradKernels, stockKernel } from './kernels/conv-grad';
