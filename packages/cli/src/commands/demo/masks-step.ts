import path from 'node:path';
import { readBytes, readText } from '../../node-fs';
import { stageOutputs } from '../../staged-outputs';
import { findFixture } from './fixtures';
import type { DemoStep } from './state';

/** Step 5: palette masks and overlays for a few validation images and the real photo. */
export const masksStep: DemoStep = {
  name: 'masks',
  async run(state) {
    const { options, ctx } = state;
    const { DeepLabSegmenter } = await import('@objsel/deeplab-resnet');
    const { decodeImage, encodeIndexPng, encodePng, labelCounts, overlay, parseList } = await import('@objsel/voc-data');
    const outDir = path.join(options.out, 'masks');
    const list = path.join(state.dataDir!, 'val.txt');
    const inputs = parseList(await readText(list), { dataDir: state.dataDir! })
      .slice(0, 4)
      .map((e) => ({ id: e.id, file: e.image }));
    const photo = options.photo ?? findFixture('deeplab/2007_000129.jpg');
    if (photo) inputs.push({ id: path.basename(photo).replace(/\.[^.]+$/, ''), file: photo });
    else ctx.warn('the real photo ../shared/fixtures/deeplab/2007_000129.jpg was not found: masks for synthetic images only');
    const written: Array<{ image: string; mask: string; overlay: string; classes: number[] }> = [];
    const segmenter = DeepLabSegmenter.fromModel(state.network!);
    // The masks appear together when all are made.
    const out = stageOutputs([outDir]);
    try {
      for (const [i, input] of inputs.entries()) {
        const image = await decodeImage(await readBytes(input.file), input.file);
        const { labels } = await segmenter.segment(image);
        const mask = path.join(outDir, `${input.id}_mask.png`);
        const over = path.join(outDir, `${input.id}_overlay.png`);
        await out.write(mask, encodeIndexPng(labels, image.width, image.height));
        const blended = overlay(image, labels);
        await out.write(over, encodePng({ width: blended.width, height: blended.height, channels: 3, data: blended.data }));
        written.push({ image: input.file, mask, overlay: over, classes: [...labelCounts(labels).keys()].sort((a, b) => a - b) });
        ctx.onProgress({ task: 'masks', done: i + 1, total: inputs.length, message: input.id });
      }
      await out.commit();
    } finally {
      out.discard();
      segmenter.dispose();
    }
    return { result: { masks: written }, human: written.map((w) => `${w.mask}, ${w.overlay}`).join('\n') };
  },
};
