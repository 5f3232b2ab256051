/**
 * `@objsel/deeplab-resnet`: the DeepLab-v2 ResNet network on TensorFlow.js, with backend
 * selection for Node (tfjs-node-gpu, wasm, cpu) and browsers (WebGPU, wasm).
 *
 * @packageDocumentation
 */
export { DeeplabError, type DeeplabErrorCode } from './errors';
export { BACKEND_NAMES, loadBackend, onBackendPrepare, type BackendName, type LoadedBackend } from './backend';
