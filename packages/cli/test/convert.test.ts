import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { readWeightsDir } from '@objsel/caffe-import/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { runDemo } from '../src/commands/demo/run';
import { DEMO_STEPS } from '../src/commands/demo/steps';
import { CliContext } from '../src/context';
import { main } from '../src/index';
import { capture } from './capture';

async function run(...args: string[]) {
  const io = capture();
  const code = await main(['node', 'objsel', ...args], io.streams);
  process.exitCode = 0;
  return { code, out: io.out(), err: io.err() };
}

/** The real deploy.prototxt with 1/16 of the channels: same 451 layers, fast to convert. */
const reduced = fs
  .readFileSync(fixture('deeplab/deploy.prototxt'), 'utf8')
  .replace(/num_output:\s*(\d+)/g, (m, n: string) => (n === '21' ? m : `num_output: ${Number(n) / 16}`));

let dir: string;
let prototxt: string;
let model: string;
let legacy: string;
let modelBytes: Uint8Array;
const file = (name: string, data: string | Uint8Array) => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, data);
  return p;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-convert-'));
  prototxt = file('deploy.prototxt', reduced);
  const layers = syntheticLayers(parsePrototxt(reduced), { seed: 11 });
  modelBytes = encodeCaffemodel(layers, { name: 'small' });
  model = file('model.caffemodel', modelBytes);
  legacy = file('legacy.caffemodel', encodeCaffemodel(layers, { format: 'layers', floats: 'unpacked', legacyShape: true }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('objsel convert', () => {
  it('writes model.json + shards and prints the report; legacy files give identical weights', async () => {
    const out = path.join(dir, 'out');
    const r = await run('convert', '--prototxt', prototxt, '--caffemodel', model, '--out', out);
    expect(r.err).not.toMatch(/^objsel:/m);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/wrote .*model\.json \+ 1 shard\(s\): 528 weights/);
    expect(r.out).toMatch(/converted 212 layer\(s\) \(Convolution 108, BatchNorm\+Scale 104\)/);
    expect(r.out).toMatch(/skipped {3}135 layer\(s\) without parameters \(ReLU 100, Pooling 1, Eltwise 34\)/);
    expect(r.out).toContain('missing   none');
    const a = await readWeightsDir(out);
    expect(a.modelJson.objsel).toMatchObject({ numClasses: 21, blocks: [3, 4, 23, 3], inputChannels: 3 });
    expect(a.modelJson.generatedBy).toBe('@objsel/cli');

    const outLegacy = path.join(dir, 'out-legacy');
    expect((await run('convert', '--prototxt', prototxt, '--caffemodel', legacy, '--out', outLegacy, '--quiet')).code).toBe(0);
    const b = await readWeightsDir(outLegacy);
    expect(b.entries.map((e) => e.name)).toEqual(a.entries.map((e) => e.name));
    b.entries.forEach((e, i) => {
      expect(
        Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).equals(
          Buffer.from(a.entries[i]!.data.buffer, a.entries[i]!.data.byteOffset, a.entries[i]!.data.byteLength),
        ),
      ).toBe(true);
    });
  });

  it('--json gives progress events and the result as JSON lines', async () => {
    const r = await run(
      'convert',
      '--prototxt',
      prototxt,
      '--caffemodel',
      model,
      '--out',
      path.join(dir, 'out-json'),
      '--json',
      '--shard-mb',
      '0.25',
    );
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; task?: string });
    const result = lines.at(-1) as unknown as {
      type: string;
      shards: number;
      report: { totals: { parameters: number } };
      network: { blocks: number[] };
    };
    expect(result.type).toBe('result');
    expect(result.shards).toBeGreaterThan(1);
    expect(result.network.blocks).toEqual([3, 4, 23, 3]);
    expect(new Set(lines.filter((l) => l.type === 'progress').map((l) => l.task))).toEqual(
      new Set(['parse-caffemodel', 'convert', 'write-weights']),
    );
  });

  /** Every bad input: exit 2 and exactly one line on stderr naming the file and the place. */
  const badCases: Array<[string, () => string[], RegExp]> = [
    [
      'a truncated caffemodel',
      () => ['--caffemodel', file('cut.caffemodel', modelBytes.subarray(0, 5000))],
      /cut\.caffemodel: byte \d+: (length \d+ runs past the end|.*runs past the end)/,
    ],
    [
      'a JPEG passed as caffemodel',
      () => ['--caffemodel', fixture('deeplab/2007_000129.jpg')],
      /2007_000129\.jpg: byte 0: expected a binary Caffe NetParameter \(\.caffemodel\), this looks like a JPEG image/,
    ],
    [
      'a wrong wire type',
      () => ['--caffemodel', file('wire.caffemodel', Uint8Array.from([...modelBytes.subarray(0, 7), 0xa0, 0x06, 0x01]))],
      /wire\.caffemodel: byte 7: NetParameter\.layer \(100, LayerParameter\) has wire type varint, expected length-delimited/,
    ],
    [
      'a length past the end',
      () => ['--caffemodel', file('len.caffemodel', Uint8Array.from([0x0a, 0x7f, 0x61]))],
      /len\.caffemodel: byte 1: .*length 127 runs past the end \(1 byte\(s\) remain\)/,
    ],
    [
      'an empty caffemodel',
      () => ['--caffemodel', file('empty.caffemodel', new Uint8Array(0))],
      /empty\.caffemodel: byte 0: .*the file is empty/,
    ],
    [
      'a prototxt that does not match the blobs',
      () => ['--prototxt', file('wide.prototxt', reduced.replace('num_output: 4\n', 'num_output: 8\n'))],
      /model\.caffemodel: layer 'conv1': weight blob has shape \[4,3,7,7\], the prototxt needs \[8,3,7,7\]/,
    ],
    [
      'a BatchNorm without its Scale',
      () => [
        '--prototxt',
        file('noscale.prototxt', reduced.replace(/layer\s*\{\s*bottom: "conv1"\s*top: "conv1"\s*name: "scale_conv1"[\s\S]*?\n\}\n/, '')),
      ],
      /noscale\.prototxt: layer 'bn_conv1': BatchNorm is not followed by a Scale layer/,
    ],
    [
      'a prototxt syntax error',
      () => ['--prototxt', file('syntax.prototxt', 'layer {\n  name: "x"\n  type: Convolution"\n}')],
      /syntax\.prototxt: line 3:\d+: /,
    ],
    ['a missing file', () => ['--caffemodel', path.join(dir, 'nope.caffemodel')], /nope\.caffemodel: no such file or directory/],
  ];
  it.each(badCases)('%s: exit 2 with one line', async (_name, args, message) => {
    const extra = args();
    const opts = new Map<string, string>([
      ['--prototxt', prototxt],
      ['--caffemodel', model],
      ['--out', path.join(dir, 'bad-out')],
    ]);
    for (let i = 0; i < extra.length; i += 2) opts.set(extra[i]!, extra[i + 1]!);
    const r = await run('convert', ...[...opts].flat(), '--quiet');
    expect(r.code).toBe(2);
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err).toMatch(message);
    expect(fs.existsSync(path.join(dir, 'bad-out'))).toBe(false);
  });
});

describe('objsel inspect', () => {
  it('lists prototxt layers with tops/bottoms and inferred shapes (--json)', async () => {
    const r = await run('inspect', fixture('deeplab/deploy.prototxt'), '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result.kind).toBe('prototxt');
    expect(result.totals.layers).toBe(451);
    expect(result.types).toEqual({ Convolution: 108, BatchNorm: 104, Scale: 104, ReLU: 100, Eltwise: 34, Pooling: 1 });
    const bn = result.layers.find((l: { name: string }) => l.name === 'bn_conv1');
    expect(bn).toMatchObject({ type: 'BatchNorm', bottoms: ['conv1'], tops: ['conv1'], inPlace: true, outputShapes: [[1, 64, 161, 161]] });
    const human = await run('inspect', fixture('deeplab/deploy.prototxt'));
    expect(human.out).toMatch(/^res5c_branch2b\s+Convolution\s+res5c_branch2a -> res5c_branch2b\s+out 1x512x41x41 k3x3 s1 p4 d4$/m);
  });

  it('lists caffemodel layers with blob shapes, legacy files included', async () => {
    const r = await run('inspect', legacy, '--json');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({ kind: 'caffemodel', format: 'layers', totals: { layers: 451 } });
    expect(result.layers.find((l: { name: string }) => l.name === 'fc1_voc12_c1')).toMatchObject({
      type: 'Convolution',
      blobs: [{ shape: [21, 128, 3, 3], encoding: 'unpacked', legacyShape: true }, { shape: [1, 1, 1, 21] }],
    });
    const human = await run('inspect', model);
    expect(human.out).toMatch(/^bn_conv1\s+BatchNorm\s+conv1 -> conv1\s+blobs \[4\] \[4\] \[1\] packed$/m);
  });

  it('rejects a JPEG with one line, exit 2', async () => {
    const r = await run('inspect', fixture('deeplab/2007_000129.jpg'));
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(
      /^objsel: .*2007_000129\.jpg: byte 0: expected a binary Caffe NetParameter \(\.caffemodel\), this looks like a JPEG image$/,
    );
  });
});

describe('objsel demo', () => {
  it('step 1 converts the prototxt with a seeded random caffemodel into the output directory', async () => {
    const out = path.join(dir, 'demo');
    const io = capture();
    const ctx = new CliContext({ backend: 'cpu', json: true, quiet: true }, io.streams);
    // Only the convert step (later steps train and are tested with them).
    const results = (await runDemo({ out, prototxt, seed: 3 }, ctx, [DEMO_STEPS[0]!])) as {
      convert: { report: { totals: { weights: number } } };
    };
    expect(DEMO_STEPS[0]!.name).toBe('convert');
    expect(results.convert.report.totals.weights).toBe(528);
    expect(fs.existsSync(path.join(out, 'caffe', 'deeplab_resnet101_random_seed3.caffemodel'))).toBe(true);
    const w = await readWeightsDir(path.join(out, 'deeplab_resnet'));
    expect(w.entries).toHaveLength(528);
  });
});
