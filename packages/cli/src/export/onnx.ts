/**
 * `objsel export --to onnx`: any objsel network (semantic DeepLab, DCSP with or without its
 * attention head, the 5-channel interactive one) as an ONNX model, with the libraries' exporters.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { nodeFileSystem } from '@objsel/caffe-import/node';
import { CliError } from '../errors';
import { nodeOnnxCacheFiles } from '../models';
import { assertOutputSeparate } from '../output-guard';
import type { ExportTarget } from './target';

export const onnxTarget: ExportTarget = {
  description: 'ONNX (opset 17, BatchNorm folded, input data N x C x H x W, output fc1_voc12 logits)',
  async run(flags, ctx, out) {
    const { describeNetwork, locateWeights, weightsDigest, exportOnnx, readOnnxInfo } = await import('@objsel/deeplab-resnet');
    const { weightsPath } = await locateWeights(nodeFileSystem, flags.weights);
    assertOutputSeparate('--out', flags.out, [flags.weights, weightsPath]);
    await ctx.useExportBackend();
    const started = performance.now();
    const sourceWeights = await weightsDigest(nodeOnnxCacheFiles, weightsPath);
    const modelJson = JSON.parse(await fs.readFile(path.join(weightsPath, 'model.json'), 'utf8')) as { objsel?: unknown };
    if (!modelJson.objsel)
      throw new CliError('usage', 'not objsel weights (no objsel section)', { file: path.join(weightsPath, 'model.json') });
    const kind = describeNetwork(modelJson.objsel as Parameters<typeof describeNetwork>[0]);
    const options = { withUpsampled: flags.withUpsampled === true, sourceWeights };
    let bytes: Uint8Array;
    let network: string;
    if (kind.kind === 'dcsp' && flags.attention !== false) {
      const { exportDcspOnnx, loadDcspNetwork } = await import('@objsel/dcsp');
      const { network: dcsp } = await loadDcspNetwork(nodeFileSystem, weightsPath);
      try {
        bytes = exportDcspOnnx(dcsp, options);
      } finally {
        dcsp.dispose();
      }
      network = 'dcsp (with the attention head fc1_voc12_d0)';
    } else if (kind.inputChannels === 3) {
      const { loadSegmentationNetwork } = await import('@objsel/deeplab-resnet');
      const { network: deeplab } = await loadSegmentationNetwork(nodeFileSystem, weightsPath);
      try {
        bytes = exportOnnx(deeplab, options);
      } finally {
        deeplab.dispose();
      }
      network = kind.kind === 'dcsp' ? 'dcsp (segmentation only)' : 'semantic';
    } else {
      const { exportInteractiveOnnx, loadInteractiveNetwork } = await import('@objsel/deeplab-resnet/interactive');
      const interactive = await loadInteractiveNetwork(nodeFileSystem, weightsPath);
      try {
        bytes = exportInteractiveOnnx(interactive, options);
      } finally {
        interactive.dispose();
      }
      network = 'interactive';
    }
    await out.write(flags.out, bytes);
    const info = readOnnxInfo(bytes);
    const outputs = Object.keys(info.outputs);
    const result = {
      to: 'onnx',
      out: flags.out,
      bytes: bytes.length,
      network,
      inputChannels: info.inputChannels,
      classes: info.classes,
      outputs,
      sourceWeights,
      seconds: (performance.now() - started) / 1000,
    };
    const human = `${flags.out}: ${network} network, ${info.inputChannels} input channels, ${info.classes} class${info.classes === 1 ? '' : 'es'}, outputs ${outputs.join(', ')} (${(bytes.length / 1e6).toFixed(1)} MB)`;
    return { result, human };
  },
};
