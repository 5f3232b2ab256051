import { promises as fs } from 'node:fs';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { formatConvert, runConvert } from '../../convert-weights';
import { writeOutputs } from '../../staged-outputs';
import type { DemoStep } from './state';

/**
 * Step 1: a seeded random ResNet-101 caffemodel for the real deploy.prototxt (made by
 * caffe-import's writer, since the pretrained files are not redistributable here), converted
 * exactly as `objsel convert` does.
 */
export const convertStep: DemoStep = {
  name: 'convert',
  async run(state) {
    const { options, ctx } = state;
    const caffeDir = path.join(options.out, 'caffe');
    const caffemodel = path.join(caffeDir, `deeplab_resnet101_random_seed${options.seed}.caffemodel`);
    const text = await fs.readFile(options.prototxt, 'utf8');
    ctx.onProgress({ task: 'demo', done: 0, total: 1, message: 'writing a random ResNet-101 caffemodel' });
    const net = parsePrototxt(text, { file: options.prototxt });
    const bytes = encodeCaffemodel(syntheticLayers(net, { seed: options.seed }), { name: 'DeepLab-ResNet-101 (seeded random weights)' });
    await writeOutputs([[caffemodel, bytes]]);
    const weightsDir = path.join(options.out, 'deeplab_resnet');
    const conversion = await runConvert(
      { prototxt: options.prototxt, caffemodel, out: weightsDir, generatedBy: '@objsel/cli demo' },
      ctx.onProgress,
    );
    state.weightsDir = weightsDir;
    state.conversion = conversion;
    return {
      result: { caffemodel, caffemodelBytes: bytes.length, ...conversion },
      human: `made ${caffemodel} (${(bytes.length / 1024 / 1024).toFixed(1)} MiB, seed ${options.seed})\n${formatConvert(conversion)}`,
    };
  },
};
