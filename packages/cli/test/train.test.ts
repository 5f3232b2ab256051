import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeSyntheticDataset } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index';
import { capture, TINY_NETWORK } from './capture';

let root: string;
let data: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-cli-train-'));
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 6, seed: 3, width: 40, height: 40, classes: 2, minSize: 12, maxSize: 24, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fs.writeFile(path.join(data, p), bytes);
    },
  );
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const SMALL = [...TINY_NETWORK, '--num-classes', '3', '--input-size', '33,33', '--batch-size', '2'];

function trainArgs(snapshots: string, ...extra: string[]): string[] {
  return [
    'node',
    'objsel',
    'train',
    '--backend',
    'wasm',
    '--json',
    '--data-dir',
    data,
    '--data-list',
    path.join(data, 'train.txt'),
    '--snapshot-dir',
    snapshots,
    ...SMALL,
    '--learning-rate',
    '0.01',
    '--is-training',
    '--save-pred-every',
    '2',
    '--random-mirror',
    ...extra,
  ];
}

describe('objsel train / fine-tune / evaluate', () => {
  it('trains, resumes to the same weights as a straight run, evaluates and fine-tunes', async () => {
    const straight = capture();
    expect(await main(trainArgs(path.join(root, 's1'), '--num-steps', '4'), straight.streams), straight.err()).toBe(0);
    const r1 = straight.result();
    expect(r1.steps).toBe(4);
    expect(r1.checkpoint).toMatch(/ckpt-4$/);
    expect(straight.out()).toContain('"type":"progress"');
    expect(straight.out()).toMatch(/"imagesPerSec":/);

    // A run killed after update 3: its snapshot directory holds ckpt-2 as the latest checkpoint.
    await fs.cp(path.join(root, 's1'), path.join(root, 's2'), { recursive: true });
    await fs.rm(path.join(root, 's2', 'ckpt-4'), { recursive: true });
    const resumed = capture();
    expect(await main(trainArgs(path.join(root, 's2'), '--num-steps', '4', '--resume'), resumed.streams), resumed.err()).toBe(0);
    expect(resumed.result().resumedFrom).toMatch(/ckpt-2$/);
    // Same updates on the same data: byte-identical weight shards.
    const shards = async (dir: string) => {
      const names = (await fs.readdir(dir)).filter((f) => f.endsWith('.bin')).sort();
      return Promise.all(names.map((n) => fs.readFile(path.join(dir, n))));
    };
    const a = await shards(path.join(root, 's1', 'ckpt-4'));
    const b = await shards(path.join(root, 's2', 'ckpt-4'));
    expect(b.length).toBe(a.length);
    a.forEach((buf, i) => {
      expect(Buffer.compare(buf, b[i]!)).toBe(0);
    });

    const ev = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'evaluate',
          '--backend',
          'wasm',
          '--json',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--weights',
          path.join(root, 's1'),
        ],
        ev.streams,
      ),
      ev.err(),
    ).toBe(0);
    const result = ev.result();
    expect(result.images).toBe(1);
    expect(result.perClassIoU).toHaveLength(3);
    expect(result.confusionMatrix).toHaveLength(3);
    expect(result.miou).toBeGreaterThanOrEqual(0);
    expect(result.weights).toMatch(/ckpt-4$/);

    const human = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'evaluate',
          '--backend',
          'wasm',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--weights',
          path.join(root, 's1', 'ckpt-4'),
          '--crf',
          '--scales',
          '1,0.5',
        ],
        human.streams,
      ),
      human.err(),
    ).toBe(0);
    expect(human.out()).toMatch(/Mean IoU: \d+\.\d\d% over 1 image\(s\)/);
    expect(human.out()).toContain('background');

    const ft = capture();
    const ftArgs = [
      'node',
      'objsel',
      'fine-tune',
      '--backend',
      'wasm',
      '--json',
      '--data-dir',
      data,
      '--data-list',
      path.join(data, 'train.txt'),
      '--snapshot-dir',
      path.join(root, 'ft'),
    ];
    expect(
      await main(
        [
          ...ftArgs,
          '--restore-from',
          path.join(root, 's1'),
          '--num-classes',
          '3',
          '--input-size',
          '33,33',
          '--num-steps',
          '2',
          '--batch-size',
          '2',
        ],
        ft.streams,
      ),
      ft.err(),
    ).toBe(0);
    expect(ft.result().steps).toBe(2);
  });

  it('rejects bad flags with a one-line usage error, exit 2', async () => {
    const io = capture();
    expect(await main(trainArgs(path.join(root, 'bad'), '--num-steps', 'ten'), io.streams)).toBe(2);
    expect(io.err()).toContain("--num-steps must be an integer in [1, 10000000], got 'ten'");
    const io2 = capture();
    expect(await main(['node', 'objsel', 'evaluate', '--data-list', 'x.txt'], io2.streams)).toBe(2);
    expect(io2.err()).toContain('--weights');
    const io3 = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'train',
          '--backend',
          'wasm',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'train.txt'),
          '--restore-from',
          path.join(root, 'nope'),
          '--snapshot-dir',
          path.join(root, 'bad2'),
        ],
        io3.streams,
      ),
    ).toBe(2);
    expect(io3.err()).toMatch(/model\.json/);
  });
});
