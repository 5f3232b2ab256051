/**
 * `@objsel/caffe-import`: Read Caffe .caffemodel and .prototxt files in pure TypeScript and convert DeepLab weights to the TensorFlow.js weights format.
 *
 * @packageDocumentation
 */
export { CaffeImportError, type CaffeImportErrorCode } from './errors';
