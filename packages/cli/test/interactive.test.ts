import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeLabel, makeSyntheticDataset, readNpy } from '@objsel/voc-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index';
import { capture, TINY_NETWORK } from './capture';

let root: string;
let data: string;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'objsel-cli-interactive-'));
  data = path.join(root, 'data');
  await makeSyntheticDataset(
    { count: 5, seed: 2, width: 40, height: 36, classes: 2, minSize: 14, maxSize: 22, sbd: false },
    async (p, bytes) => {
      await fs.mkdir(path.dirname(path.join(data, p)), { recursive: true });
      await fs.writeFile(path.join(data, p), bytes);
    },
  );
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const SMALL = [...TINY_NETWORK, '--input-size', '32,32', '--batch-size', '2'];

describe('objsel train --interactive, select, noc', () => {
  it('trains on fresh clicks and on clicks sample files, then selects and counts clicks', async () => {
    const snap = path.join(root, 'snap');
    const t = capture();
    const trainArgs = [
      'node',
      'objsel',
      'train',
      '--interactive',
      '--backend',
      'wasm',
      '--json',
      '--data-dir',
      data,
      '--data-list',
      path.join(data, 'train.txt'),
      '--snapshot-dir',
      snap,
      ...SMALL,
    ];
    expect(
      await main(
        [...trainArgs, '--num-steps', '2', '--learning-rate', '0.001', '--is-training', '--click-subsets', '--n-negative', '6'],
        t.streams,
      ),
      t.err(),
    ).toBe(0);
    const r = t.result();
    expect(r.interactive).toBe(true);
    expect(r.steps).toBe(2);
    expect(r.checkpoint).toMatch(/ckpt-2$/);
    expect(t.out()).toContain('"task":"train-interactive"');
    const trainer = JSON.parse(await fs.readFile(path.join(r.checkpoint, 'trainer.json'), 'utf8'));
    // The seed's defaults apply where no flag was given; given flags win.
    expect(trainer.run.trainer.weightDecay).toBe(2.5e-4);
    expect(trainer.run.trainer.posWeight).toBe(5);
    expect(trainer.run.trainer.lossScale).toBe(20);
    expect(trainer.run.trainer.learningRate).toBe(0.001);
    expect(trainer.run.data.clickSubsets).toBe(true);

    // Fixed clicks from `objsel clicks sample`.
    const clicksDir = path.join(root, 'clicks');
    const cs = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'clicks',
          'sample',
          '--json',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'train.txt'),
          '--out-dir',
          clicksDir,
          '--strategies',
          '1',
          '--pairs-per-object',
          '1',
        ],
        cs.streams,
      ),
      cs.err(),
    ).toBe(0);
    const t2 = capture();
    expect(
      await main(
        [
          ...trainArgs.map((a) => (a === snap ? path.join(root, 'snap2') : a)),
          '--clicks-list',
          path.join(clicksDir, 'clicks.txt'),
          '--num-steps',
          '1',
        ],
        t2.streams,
      ),
      t2.err(),
    ).toBe(0);
    expect(t2.result().steps).toBe(1);

    // select: a 0/255 mask, an overlay and the probabilities.
    const image = path.join(data, 'JPEGImages', 'synth_000004.jpg');
    const mask = path.join(root, 'out', 'mask.png');
    const probs = path.join(root, 'out', 'p.npy');
    const s = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'select',
          image,
          '--backend',
          'wasm',
          '--json',
          '--weights',
          snap,
          '--click',
          '20,18,+',
          '--click',
          '2,2,-',
          '--out',
          mask,
          '--probs',
          probs,
          '--refine',
          'graphcut',
        ],
        s.streams,
      ),
      s.err(),
    ).toBe(0);
    const sr = s.result();
    expect(sr.width).toBe(40);
    expect(sr.overlay).toMatch(/mask_overlay\.png$/);
    const m = decodeLabel(new Uint8Array(await fs.readFile(mask)));
    expect(m.width).toBe(40);
    expect([...new Set(m.data)].every((v) => v === 0 || v === 255)).toBe(true);
    // Graph cut keeps the clicks as hard constraints.
    expect(m.data[18 * 40 + 20]).toBe(255);
    expect(m.data[2 * 40 + 2]).toBe(0);
    expect(m.data.filter((v) => v === 255).length).toBe(sr.area);
    expect((await fs.stat(sr.overlay)).size).toBeGreaterThan(0);
    const p = readNpy(new Uint8Array(await fs.readFile(probs)));
    expect(p.shape).toEqual([36, 40]);

    const sb = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'select',
          image,
          '--backend',
          'wasm',
          '--json',
          '--weights',
          snap,
          '--click',
          '20,18,+',
          '--out',
          path.join(root, 'out', 'b.png'),
          '--refine',
          'crf',
          '--brs',
          '--brs-steps',
          '3',
        ],
        sb.streams,
      ),
      sb.err(),
    ).toBe(0);
    expect(sb.result().brsSteps).toBeLessThanOrEqual(3);

    // noc: per-instance click counts, failures count as the budget.
    const n = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'noc',
          '--backend',
          'wasm',
          '--json',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--weights',
          snap,
          '--max-clicks',
          '3',
          '--brs',
          '--brs-steps',
          '2',
        ],
        n.streams,
      ),
      n.err(),
    ).toBe(0);
    const nr = n.result();
    expect(nr.count).toBeGreaterThan(0);
    expect(Object.keys(nr.meanNoc)).toEqual(['NoC@85', 'NoC@90']);
    expect(nr.instances).toHaveLength(nr.count);
    for (const inst of nr.instances) {
      expect(inst.id).toMatch(/^synth_\d+#\d+$/);
      inst.noc.forEach((k: number) => {
        expect(k).toBeGreaterThanOrEqual(1);
      });
      inst.noc.forEach((k: number) => {
        expect(k).toBeLessThanOrEqual(3);
      });
      expect(inst.clicks[0].positive).toBe(true);
    }
    expect(n.out()).toContain('"task":"noc"');
    const human = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'noc',
          '--backend',
          'wasm',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'val.txt'),
          '--weights',
          snap,
          '--max-clicks',
          '2',
          '--refine',
          'graphcut',
          '--iou',
          '0.5',
        ],
        human.streams,
      ),
      human.err(),
    ).toBe(0);
    expect(human.out()).toMatch(/NoC@50 \d+\.\d\d/);
  });

  it('runInteractiveDemo trains, evaluates NoC per configuration and writes noc.json and selection overlays', async () => {
    const { runInteractiveDemo, formatInteractiveDemo } = await import('../src/commands/demo/interactive-step');
    const { CliContext } = await import('../src/context');
    const io = capture();
    const ctx = new CliContext({ backend: 'wasm', json: false, quiet: true }, io.streams);
    const out = path.join(root, 'demo');
    const result = await runInteractiveDemo(
      {
        out,
        seed: 3,
        dataDir: data,
        steps: 2,
        configs: [
          { name: 'plain', refine: 'none', brs: false },
          { name: 'graphcut', refine: 'graphcut', brs: false },
        ],
      },
      ctx,
    );
    expect(result.training.from).toBe('scratch');
    expect(result.training.steps).toBe(2);
    expect(Object.keys(result.noc)).toEqual(['plain', 'graphcut']);
    expect(result.objects).toBeGreaterThan(0);
    for (const f of Object.values(result.noc)) {
      expect(f['NoC@85']).toBeGreaterThanOrEqual(1);
      expect(f['NoC@90']).toBeGreaterThanOrEqual(f['NoC@85']);
    }
    const saved = JSON.parse(await fs.readFile(path.join(out, 'interactive', 'noc.json'), 'utf8'));
    expect(saved.noc.plain['NoC@85']).toBe(result.noc.plain!['NoC@85']);
    expect(result.selections.length).toBeGreaterThan(0);
    for (const f of result.selections) expect((await fs.stat(f)).size).toBeGreaterThan(0);
    expect(formatInteractiveDemo(result)).toMatch(/plain +NoC@85 +\d+\.\d\d/);
  });

  it('rejects bad clicks, RGB weights and bad flags with one line, exit 2', async () => {
    const a = capture();
    expect(await main(['node', 'objsel', 'select', 'x.jpg', '--weights', 'w', '--click', '3,4,?', '--out', 'm.png'], a.streams)).toBe(2);
    expect(a.err()).toContain('--click takes X,Y,+ or X,Y,-');
    const b = capture();
    expect(
      await main(
        ['node', 'objsel', 'noc', '--data-dir', data, '--data-list', path.join(data, 'val.txt'), '--weights', 'w', '--refine', 'magic'],
        b.streams,
      ),
    ).toBe(2);
    expect(b.err()).toContain('--refine must be none, graphcut or crf');
    const c = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'train',
          '--interactive',
          '--data-dir',
          data,
          '--data-list',
          path.join(data, 'train.txt'),
          '--from-scratch',
          '--strategies',
          '4',
        ],
        c.streams,
      ),
    ).toBe(2);
    expect(c.err()).toContain('--strategies');
    // A 3-channel network is not an interactive one.
    const rgbSnap = path.join(root, 'rgb');
    const t = capture();
    expect(
      await main(
        [
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
          rgbSnap,
          ...SMALL,
          '--num-classes',
          '3',
          '--num-steps',
          '1',
        ],
        t.streams,
      ),
      t.err(),
    ).toBe(0);
    const d = capture();
    expect(
      await main(
        [
          'node',
          'objsel',
          'select',
          path.join(data, 'JPEGImages', 'synth_000000.jpg'),
          '--backend',
          'wasm',
          '--weights',
          rgbSnap,
          '--click',
          '1,1,+',
          '--out',
          path.join(root, 'x.png'),
        ],
        d.streams,
      ),
    ).toBe(2);
    expect(d.err()).toMatch(/not an interactive network/);
    expect(d.err().trim().split('\n')).toHaveLength(1);
  });
});
