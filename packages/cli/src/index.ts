/**
 * `@objsel/cli`: the `objsel` command. Programs can run it in-process with {@link main} or
 * extend it from {@link createProgram}.
 *
 * @packageDocumentation
 */
export { createProgram, main, VERSION } from './program';
export { CliContext, type CliStreams, type GlobalOptions } from './context';
export { CliError, type CliErrorCode, exitCodeOf, formatError, isUserError } from './errors';
export {
  BarRenderer,
  JsonLinesRenderer,
  SilentRenderer,
  TextLinesRenderer,
  formatDuration,
  type ProgressEvent,
  type ProgressRenderer,
} from './progress';
export { withExamples } from './examples';
export {
  nodeOnnxCacheFiles,
  onnxOptimizedCacheKey,
  onnxThreads,
  openInteractiveModel,
  openSemanticSegmenter,
  type SemanticSegmenter,
} from './models';
