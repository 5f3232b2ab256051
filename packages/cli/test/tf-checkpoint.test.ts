import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCaffemodel, parsePrototxt, syntheticLayers, writeTfCheckpointV2, type WeightEntry } from '@objsel/caffe-import';
import { readWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet, resnetConfig } from '@objsel/deeplab-resnet';
import { makeSyntheticDataset } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';
import { imagenetResnetPrototxt } from '../../../tools/test/imagenet-resnet';
import { snappyCompress } from '../../../tools/tf-checkpoint/snappy-compress';
import { writeV1 } from '../../../tools/tf-checkpoint/v1-writer';
import { writeV2 } from '../../../tools/tf-checkpoint/v2-writer';
import { main } from '../src/index';

/** The fields of `--json` results these tests read. */
interface ResultJson {
  report: { counters: Array<{ name: string }>; optimizerSlots: Array<{ name: string }> };
  format: string;
  tensors: Array<{ name: string; dtype: string; shape: number[]; slices: number }>;
  steps: number;
  checkpoint: string;
}

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'objsel', ...args], {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
  });
  process.exitCode = 0;
  const text = out.join('');
  const resultLine = text
    .split('\n')
    .filter((l) => l.includes('"type":"result"'))
    .pop();
  return { code, out: text, err: err.join(''), result: resultLine ? (JSON.parse(resultLine) as ResultJson) : undefined };
}

let dir: string;
let entries: WeightEntry[];
let prefix: string;
const at = (...p: string[]) => path.join(dir, ...p);
const listing = (d: string) => fs.readdirSync(d).sort();

function sameBits(got: WeightEntry[], want: WeightEntry[]): void {
  expect(got.map((e) => e.name)).toEqual(want.map((e) => e.name));
  got.forEach((g, i) => {
    const w = want[i]!;
    expect(g.shape).toEqual(w.shape);
    expect(
      Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(
        Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength),
      ),
    ).toBe(true);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-cli-tfckpt-'));
  const net = DeepLabResNet.create(
    resnetConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, numClasses: 3, asppRates: [6, 12, 18, 24] }),
    {
      seed: 4,
    },
  );
  entries = await net.toWeightEntries();
  net.dispose();
  const extras = [
    { name: 'global_step', shape: [], data: BigInt64Array.of(1000n) },
    { name: 'res2a_branch2a/weights/Momentum', shape: entries[5]!.shape, data: new Float32Array(entries[5]!.data.length) },
  ];
  fs.mkdirSync(at('tf'));
  prefix = at('tf', 'model.ckpt-1000');
  const v2 = writeV2([...entries, ...extras], { compress: (b) => snappyCompress(b), blockSize: 1024 });
  fs.writeFileSync(`${prefix}.index`, v2.index);
  fs.writeFileSync(`${prefix}.data-00000-of-00001`, v2.shards[0]!);
  fs.writeFileSync(at('tf', 'checkpoint'), 'model_checkpoint_path: "model.ckpt-1000"\n');
  fs.writeFileSync(at('deeplab_resnet.ckpt'), writeV1([...entries, ...extras]));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('objsel convert --checkpoint / export --to tf-checkpoint / inspect', () => {
  it('converts V2 (Snappy), V1 and a checkpoint directory bit-exactly, reporting the skipped slots and counters', async () => {
    for (const [input, out] of [
      [prefix, at('w-v2')],
      [at('deeplab_resnet.ckpt'), at('w-v1')],
      [at('tf'), at('w-dir')],
    ] as const) {
      const r = await run('convert', '--checkpoint', input, '--out', out, '--json');
      expect(r.code, r.err + r.out).toBe(0);
      expect(r.result?.report.counters.map((t) => t.name)).toEqual(['global_step']);
      expect(r.result?.report.optimizerSlots.map((t) => t.name)).toEqual(['res2a_branch2a/weights/Momentum']);
      const written = await readWeightsDir(out);
      sameBits(written.entries, entries);
      expect(written.modelJson.objsel).toMatchObject({ bnEpsilon: 0.001, numClasses: 3, blocks: [1, 1, 1, 1] });
    }
    const human = await run('convert', '--checkpoint', prefix, '--out', at('w-human'));
    expect(human.out).toMatch(/skipped {3}1 optimiser slots: res2a_branch2a\/weights\/Momentum/);
    expect(human.out).toMatch(/skipped {3}1 counters: global_step/);
  });

  it("round-trips objsel → export tf-checkpoint → convert bit-exactly; the files are the library writer's", async () => {
    const r = await run('export', '--weights', at('w-v2'), '--to', 'tf-checkpoint', '--out', at('exported', 'model.ckpt-7'), '--json');
    expect(r.code, r.err + r.out).toBe(0);
    expect(listing(at('exported'))).toEqual(['model.ckpt-7.data-00000-of-00001', 'model.ckpt-7.index']);
    const { entries: source, modelJson } = await readWeightsDir(at('w-v2'));
    const expected = writeTfCheckpointV2(source, modelJson.objsel);
    expect(fs.readFileSync(at('exported', 'model.ckpt-7.index')).equals(Buffer.from(expected.index))).toBe(true);
    expect(fs.readFileSync(at('exported', 'model.ckpt-7.data-00000-of-00001')).equals(Buffer.from(expected.data))).toBe(true);
    const back = await run('convert', '--checkpoint', at('exported', 'model.ckpt-7'), '--out', at('w-back'));
    expect(back.code, back.err).toBe(0);
    sameBits((await readWeightsDir(at('w-back'))).entries, entries);
  });

  it('inspect lists tensors, dtypes and shapes like inspect_checkpoint (and --json)', async () => {
    const human = await run('inspect', prefix);
    expect(human.code, human.err).toBe(0);
    // 17 convolutions with 4 BatchNorm variables each, 4 ASPP branches with biases, 2 extras.
    expect(human.out).toMatch(/TensorFlow V2 checkpoint .*model\.ckpt-1000, 95 tensors/);
    expect(human.out).toContain('conv1/weights (DT_FLOAT) [7,7,3,4]\n');
    expect(human.out).toContain('global_step (DT_INT64) []\n');
    const json = await run('inspect', at('deeplab_resnet.ckpt'), '--json');
    expect(json.result?.format).toBe('v1');
    expect(json.result?.tensors.find((t) => t.name === 'fc1_voc12_c3/biases')).toEqual({
      name: 'fc1_voc12_c3/biases',
      dtype: 'DT_FLOAT',
      shape: [3],
      slices: 1,
    });
  });

  it('infer --weights CHECKPOINT gives the logits of infer on the converted directory', async () => {
    const photo = fixture('deeplab/2007_000129.jpg');
    const a = await run('--backend', 'wasm', 'infer', photo, '--weights', prefix, '--save-dir', at('ia'), '--save-logits', at('a.npy'));
    const b = await run('--backend', 'wasm', 'infer', photo, '--weights', at('w-v2'), '--save-dir', at('ib'), '--save-logits', at('b.npy'));
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(fs.readFileSync(at('a.npy')).equals(fs.readFileSync(at('b.npy')))).toBe(true);
  });

  it('bad input: one line, exit 2, nothing written', async () => {
    const expectOneLine = (r: { code: number; err: string; out: string }, pattern: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(pattern);
    };
    // A missing data shard.
    fs.mkdirSync(at('broken'));
    fs.copyFileSync(`${prefix}.index`, at('broken', 'model.ckpt-1000.index'));
    expectOneLine(
      await run('convert', '--checkpoint', at('broken', 'model.ckpt-1000'), '--out', at('never-1')),
      /model\.ckpt-1000\.data-00000-of-00001: data shard 0 of 1 is missing/,
    );
    expect(fs.existsSync(at('never-1'))).toBe(false);
    // Outputs equal to, inside or containing an input.
    const before = listing(at('tf'));
    expectOneLine(await run('convert', '--checkpoint', prefix, '--out', at('tf')), /--out .* contains the input/);
    expectOneLine(await run('convert', '--checkpoint', at('tf'), '--out', at('tf', 'sub')), /--out .* is inside the input/);
    expect(listing(at('tf'))).toEqual(before);
    expectOneLine(
      await run('convert', '--checkpoint', at('deeplab_resnet.ckpt'), '--out', at('deeplab_resnet.ckpt')),
      /--out .* is the input/,
    );
    expectOneLine(
      await run('convert', '--prototxt', at('x.prototxt'), '--caffemodel', at('w-v2'), '--out', at('w-v2')),
      /--out .* is the input .*w-v2; write the output elsewhere/,
    );
    const weightsBefore = listing(at('w-v2'));
    expectOneLine(
      await run('export', '--weights', at('w-v2'), '--to', 'tf-checkpoint', '--out', at('w-v2', 'model.ckpt')),
      /is inside the input/,
    );
    expect(listing(at('w-v2'))).toEqual(weightsBefore);
    expectOneLine(
      await run('export', '--weights', at('w-v2'), '--to', 'caffe', '--out', at('x')),
      /--to must be one of onnx, tf-checkpoint, got .caffe./,
    );
    expectOneLine(await run('convert', '--out', at('never-2')), /give --prototxt and --caffemodel .* or --checkpoint/);
  });
});

describe('objsel convert on an ImageNet ResNet-101, then train from the backbone', () => {
  it('writes a backbone without fc1000 and trains one step with a new head', async () => {
    const prototxt = at('ResNet-101-deploy.prototxt');
    const text = imagenetResnetPrototxt({ width: 1 / 16 });
    fs.writeFileSync(prototxt, text);
    const caffemodel = at('ResNet-101-model.caffemodel');
    fs.writeFileSync(caffemodel, encodeCaffemodel(syntheticLayers(parsePrototxt(text), { seed: 8 })));
    const c = await run('convert', '--prototxt', prototxt, '--caffemodel', caffemodel, '--out', at('backbone'));
    expect(c.code, c.err).toBe(0);
    expect(c.out).toMatch(/no head \(a ResNet backbone: training creates it\)/);
    expect(c.out).toMatch(/left out {2}fc1000\/weights \[128,1000\], fc1000\/biases \[1000\]/);
    const { modelJson, entries: backbone } = await readWeightsDir(at('backbone'));
    expect(modelJson.objsel).toMatchObject({ numClasses: 0, backboneOnly: true });
    expect(backbone.some((e) => e.name.startsWith('fc'))).toBe(false);

    const data = at('voc');
    await makeSyntheticDataset(
      { count: 2, seed: 3, width: 40, height: 40, classes: 2, minSize: 12, maxSize: 24, sbd: false },
      async (p, bytes) => {
        fs.mkdirSync(path.dirname(path.join(data, p)), { recursive: true });
        fs.writeFileSync(path.join(data, p), bytes);
      },
    );
    const t = await run(
      'train',
      '--backend',
      'wasm',
      '--json',
      '--data-dir',
      data,
      '--data-list',
      path.join(data, 'train.txt'),
      '--snapshot-dir',
      at('snap'),
      '--restore-from',
      at('backbone'),
      '--num-classes',
      '3',
      '--input-size',
      '33,33',
      '--batch-size',
      '1',
      '--num-steps',
      '1',
    );
    expect(t.code, t.err + t.out.slice(-2000)).toBe(0);
    expect(t.result?.steps).toBe(1);
    const trained = await readWeightsDir(t.result!.checkpoint);
    expect(trained.modelJson.objsel).toMatchObject({ numClasses: 3 });
    expect(trained.modelJson.objsel.backboneOnly).toBeUndefined();
    const head = trained.entries.find((e) => e.name === 'fc1_voc12_c0/weights')!;
    expect(head.shape).toEqual([3, 3, 128, 3]);
  }, 120_000);
});
