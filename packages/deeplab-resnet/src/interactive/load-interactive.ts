import type { ObjselNetworkMeta } from '@objsel/caffe-import';
import type { Click, InteractiveSession } from '@objsel/clicks';
import { toRgbImage, type ImageLike } from '@objsel/voc-data';
import { readModelSource, type ModelSource, type ReadModelSourceOptions } from '../checkpoint/source';
import { DeeplabError } from '../errors';
import { activateBackend, type BackendOption } from '../load-backend-option';
import { interactiveNetworkFromWeights } from './load-network';
import { InteractiveSegmenter, type InteractiveSegmenterOptions } from './segmenter';
import { createInteractiveSession, type InteractiveSessionOptions } from './session';

/** Options of {@link loadInteractive}: where to run, how to read the source, how clicks become a mask. */
export interface LoadInteractiveOptions
  extends BackendOption,
    ReadModelSourceOptions,
    InteractiveSegmenterOptions,
    InteractiveSessionOptions {
  /** The first image to select in (else call {@link InteractiveSelection.setImage}). */
  image?: ImageLike;
}

/** An interactive selection with its network, from {@link loadInteractive}. */
export interface InteractiveSelection {
  /** The network description of the weights. */
  readonly meta: ObjselNetworkMeta;
  /** The TF.js backend it runs on. */
  readonly backend: string;
  /** Where the weights came from (path, URL, `IOHandler` or `readFile`). */
  readonly origin: string;
  /** The clicks on the current image, in order. */
  readonly clicks: readonly Click[];
  /** Starts over on `image` (`ImageData` or `{ data, width, height }`, RGBA or RGB bytes). */
  setImage(image: ImageLike): void;
  /**
   * Adds a click at pixel (x, y) — positive (default) on the object, negative on the background —
   * runs the network and resolves to the new mask. Clicks apply in order.
   */
  addClick(x: number, y: number, positive?: boolean): Promise<Uint8Array>;
  /** Removes the last click; resolves to the mask before it. */
  undo(): Promise<Uint8Array>;
  /** Removes every click. */
  reset(): Promise<Uint8Array>;
  /** The current mask, `width × height`, 1 = selected (all zeros before the first click). */
  mask(): Uint8Array;
  /** The network's last object probability per pixel, null before the first click. */
  probability(): Float32Array | null;
  /** Frees the network's tensors. */
  dispose(): void;
}

/**
 * Loads the interactive selection network (Xu et al. 2016: RGB plus two click distance maps) in
 * one call, from a `model.json` URL, a path (Node), a `tf.io` IOHandler or a read-only
 * `{ readFile }` (see `readModelSource`), and returns a selection over it: `createInteractiveSession`'s
 * click queue, undo and refinement (threshold, graph cut or dense CRF; f-BRS with `brs`, which
 * needs gradients: `import '@tensorflow/tfjs'` first).
 *
 * @example
 * ```ts
 * const selection = await loadInteractive('weights/interactive', { backend: 'cpu', image });
 * await selection.addClick(40, 30, true);
 * await selection.addClick(5, 5, false);
 * const mask = selection.mask();
 * selection.dispose();
 * ```
 * @throws DeeplabError as `readModelSource`; `bad-weights` for weights that are not of the
 * interactive network (5 input channels, 1 output).
 */
export async function loadInteractive(source: ModelSource, options: LoadInteractiveOptions = {}): Promise<InteractiveSelection> {
  const weights = await readModelSource(source, options);
  const backend = await activateBackend(options);
  const network = interactiveNetworkFromWeights(weights.entries, weights.meta, weights.origin);
  let segmenter: InteractiveSegmenter;
  try {
    segmenter = InteractiveSegmenter.fromModel(network, {
      ...(options.fold === undefined ? {} : { fold: options.fold }),
      ...(options.mean === undefined ? {} : { mean: options.mean }),
    });
  } catch (error) {
    network.dispose();
    throw error;
  }
  const {
    image: first,
    backend: _backend,
    fetch: _fetch,
    requestInit: _init,
    meta: _meta,
    fold: _fold,
    mean: _mean,
    ...sessionOptions
  } = options;
  let session: InteractiveSession | undefined;
  const current = (): InteractiveSession => {
    if (!session)
      throw new DeeplabError('bad-input', 'no image to select in: call setImage(image) first, or pass { image } to loadInteractive');
    return session;
  };
  const selection: InteractiveSelection = {
    meta: weights.meta,
    backend,
    origin: weights.origin,
    get clicks() {
      return session?.clicks ?? [];
    },
    setImage(image) {
      session = createInteractiveSession(segmenter, toRgbImage(image), sessionOptions);
    },
    addClick: async (x, y, positive = true) => current().addClick({ x, y, positive }),
    undo: async () => current().undo(),
    reset: async () => current().reset(),
    mask: () => current().mask,
    probability: () => current().probability,
    dispose() {
      segmenter.dispose();
      network.dispose();
    },
  };
  if (first) selection.setImage(first);
  return selection;
}
