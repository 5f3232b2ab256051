/**
 * What a weights directory says about itself in model.json's `objsel` block, beyond the network's
 * shape: the training domain (`domain`, written by `objsel train --interactive`) and the size the
 * network was trained at (`training.modelLongSide`, written by tools/web-model for the model
 * web-select ships). Older weights, TensorFlow checkpoints and converted Caffe models say
 * neither, and then nothing is assumed.
 */
import path from 'node:path';
import { nodeFileSystem } from './node-fs';

/** The `objsel` block of the weights' model.json, or undefined (none, unreadable, or a TensorFlow checkpoint). */
export async function objselMetadata(weights: string): Promise<Record<string, unknown> | undefined> {
  const { locateWeights } = await import('@objsel/deeplab-resnet');
  try {
    const location = await locateWeights(nodeFileSystem, weights);
    if (location.source === 'tf-checkpoint') return undefined;
    const modelJson = JSON.parse(new TextDecoder().decode(await nodeFileSystem.readFile(path.join(location.weightsPath, 'model.json'))));
    const objsel = modelJson?.objsel;
    return objsel && typeof objsel === 'object' ? (objsel as Record<string, unknown>) : undefined;
  } catch {
    return undefined; // the network loaded already; metadata that cannot be read is no reason to fail
  }
}

/**
 * The long side (pixels) of the images the network was trained on when it was trained on resized
 * copies with click maps in model pixels (web-select's model: 128), else undefined. Such a network
 * is run the same way: on a copy of that size, with the clicks' distances in its pixels.
 */
export async function weightsModelLongSide(weights: string): Promise<number | undefined> {
  const training = (await objselMetadata(weights))?.training as { modelLongSide?: unknown } | undefined;
  const side = training?.modelLongSide;
  return typeof side === 'number' && Number.isInteger(side) && side >= 8 && side <= 8192 ? side : undefined;
}

/**
 * Predictor options for `image` with a network trained at a model size (`modelLongSide`): the
 * click maps' distances in model pixels (scale × model pixels per image pixel), as in training.
 * Options without `modelLongSide` come back as they are.
 */
export async function atTrainedSize<T extends { clickScale?: number; modelLongSide?: number }>(
  options: T,
  image: { width: number; height: number },
): Promise<T> {
  if (!options.modelLongSide) return options;
  const { clickMapScale } = await import('@objsel/deeplab-resnet/interactive');
  return { ...options, clickScale: (options.clickScale ?? 1) * clickMapScale(image, options.modelLongSide) };
}
