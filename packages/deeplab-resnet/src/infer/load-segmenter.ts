import { toRgbImage, type ImageLike } from '@objsel/voc-data';
import type { ObjselNetworkMeta } from '@objsel/caffe-import';
import { segmentationNetworkFromWeights, type LoadSegmentationOptions } from '../checkpoint/load';
import { readModelSource, type ModelSource, type ReadModelSourceOptions } from '../checkpoint/source';
import { activateBackend, type BackendOption } from '../load-backend-option';
import { DeepLabSegmenter, type SegmentOptions, type SegmentResult, type SegmenterOptions } from './segmenter';

/** Options of {@link loadSegmenter}. */
export interface LoadSegmenterOptions extends BackendOption, ReadModelSourceOptions, LoadSegmentationOptions, SegmenterOptions {}

/** A semantic segmentation network ready to run, from {@link loadSegmenter}. */
export interface Segmenter {
  /** Classes of the network (labels are 0..numClasses−1). */
  readonly numClasses: number;
  /** The network description of the weights. */
  readonly meta: ObjselNetworkMeta;
  /** The TF.js backend it runs on. */
  readonly backend: string;
  /** Where the weights came from (path, URL, `IOHandler` or `readFile`). */
  readonly origin: string;
  /**
   * Segments an image: `ImageData` or any `{ data, width, height }` with RGBA, RGB (or grey)
   * bytes. Returns the label of every pixel (`labels`, row-major), the size, and with
   * `{ probabilities: true }` the soft-max (`height × width × numClasses`); `scales` as
   * `evaluate_msc.py`.
   */
  segment(image: ImageLike, options?: SegmentOptions): Promise<SegmentResult>;
  /** Frees the network's tensors. */
  dispose(): void;
}

/**
 * Loads a semantic segmentation network in one call, as TF.js's `loadGraphModel` does: from a
 * `model.json` URL, a path (Node), a `tf.io` IOHandler or a read-only `{ readFile }` (see
 * {@link readModelSource}), on the backend asked for.
 *
 * @example
 * ```ts
 * const segmenter = await loadSegmenter('https://example.com/deeplab/model.json', { backend: 'wasm' });
 * const { labels, width, height } = await segmenter.segment(imageData);
 * segmenter.dispose();
 * ```
 * @throws DeeplabError as {@link readModelSource}; `bad-weights` for weights of another network
 * (e.g. the interactive one: `loadInteractive`).
 */
export async function loadSegmenter(source: ModelSource, options: LoadSegmenterOptions = {}): Promise<Segmenter> {
  const weights = await readModelSource(source, options);
  const backend = await activateBackend(options);
  const network = segmentationNetworkFromWeights(weights, weights.origin, options);
  const fold = options.fold ?? true;
  let segmenter: DeepLabSegmenter;
  try {
    segmenter = DeepLabSegmenter.fromModel(network, { fold, ...(options.atrous ? { atrous: options.atrous } : {}) });
  } catch (error) {
    network.dispose();
    throw error;
  }
  // A folded segmenter owns a copy of the weights: the training-graph network can go now.
  if (fold) network.dispose();
  return {
    numClasses: weights.meta.numClasses,
    meta: weights.meta,
    backend,
    origin: weights.origin,
    segment: (image, segmentOptions) => segmenter.segment(toRgbImage(image), segmentOptions),
    dispose() {
      segmenter.dispose();
      if (!fold) network.dispose();
    },
  };
}
