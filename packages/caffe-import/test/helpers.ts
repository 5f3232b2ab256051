// Shared test helpers: the real prototxt, a width-reduced copy of it, and an independent decoder
// (protobufjs reflection over the field numbers of BVLC/caffe's src/caffe/proto/caffe.proto).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fixture } from '../../../tools/test/fixtures';

export const DEPLOY = fixture('deeplab/deploy.prototxt');
export const deployText = (): string => fs.readFileSync(DEPLOY, 'utf8');

/**
 * The real deploy.prototxt with every num_output divided by `factor` (the 21-class ASPP outputs
 * stay), optionally a smaller input: same 451 layers and wiring, ~factor^2 fewer parameters.
 */
export function reducedDeploy(factor = 16, inputSize = 65): string {
  return deployText()
    .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / factor}`))
    .replace(/input_dim:\s*321/g, `input_dim: ${inputSize}`);
}

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protobuf = require('protobufjs') as typeof import('protobufjs');

/** caffe.proto (subset) as protobufjs JSON: what a stock protobuf decoder makes of our files. */
export const caffeRoot = protobuf.Root.fromJSON({
  nested: {
    BlobShape: { fields: { dim: { rule: 'repeated', type: 'int64', id: 1, options: { packed: true } } } },
    BlobProto: {
      fields: {
        shape: { type: 'BlobShape', id: 7 },
        data: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
        diff: { rule: 'repeated', type: 'float', id: 6, options: { packed: true } },
        double_data: { rule: 'repeated', type: 'double', id: 8, options: { packed: true } },
        num: { type: 'int32', id: 1 },
        channels: { type: 'int32', id: 2 },
        height: { type: 'int32', id: 3 },
        width: { type: 'int32', id: 4 },
      },
    },
    LayerParameter: {
      fields: {
        name: { type: 'string', id: 1 },
        type: { type: 'string', id: 2 },
        bottom: { rule: 'repeated', type: 'string', id: 3 },
        top: { rule: 'repeated', type: 'string', id: 4 },
        blobs: { rule: 'repeated', type: 'BlobProto', id: 7 },
      },
    },
    V1LayerParameter: {
      fields: {
        bottom: { rule: 'repeated', type: 'string', id: 2 },
        top: { rule: 'repeated', type: 'string', id: 3 },
        name: { type: 'string', id: 4 },
        type: { type: 'int32', id: 5 },
        blobs: { rule: 'repeated', type: 'BlobProto', id: 6 },
      },
    },
    NetParameter: {
      fields: {
        name: { type: 'string', id: 1 },
        layers: { rule: 'repeated', type: 'V1LayerParameter', id: 2 },
        input: { rule: 'repeated', type: 'string', id: 3 },
        input_dim: { rule: 'repeated', type: 'int32', id: 4 },
        layer: { rule: 'repeated', type: 'LayerParameter', id: 100 },
      },
    },
  },
});

/** Decodes a caffemodel with protobufjs: plain objects, numbers for int64. */
export function decodeWithProtobufjs(bytes: Uint8Array): {
  name: string;
  input: string[];
  input_dim: number[];
  layer: Array<{ name: string; type: string; bottom: string[]; top: string[]; blobs: Array<Record<string, unknown>> }>;
  layers: Array<{ name: string; type: number; bottom: string[]; top: string[]; blobs: Array<Record<string, unknown>> }>;
} {
  const T = caffeRoot.lookupType('NetParameter');
  return T.toObject(T.decode(bytes), { longs: Number, arrays: true, defaults: false }) as never;
}

export { protobuf };
