import type { Refine } from '@objsel/deeplab-resnet';

/** A dense-CRF refinement with a preset of `@objsel/dense-crf`. */
export async function crfRefiner(preset: string): Promise<Refine> {
  const { crfPreset, crfRefine } = await import('@objsel/dense-crf');
  crfPreset(preset); // unknown names fail here, before any image is processed
  return ({ probs, image, width, height, numLabels }) => crfRefine({ probs, image: image.data, width, height, numLabels, preset }).labels;
}

/** The `--crf [preset]` flag of `evaluate` and `infer`: no refinement, or the preset (default deeplab-v2). */
export async function crfRefinerFromFlag(flag: string | boolean | undefined): Promise<Refine | undefined> {
  return flag === undefined || flag === false ? undefined : crfRefiner(flag === true ? 'deeplab-v2' : flag);
}
