/**
 * `objsel noc --shard` and `objsel merge noc`: two shards of a NoC run merged report what the run
 * in one process reports (every figure and per-object entry; timings are measured, so they are
 * only checked to be the shards' sums), for the network and for a classic method, and merging
 * refuses a shard given twice and results of different settings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DeepLabResNet } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, run } from './capture';
import { directNoc, withoutTimings } from './noc-fixtures';

let dir: string;
let data: string;
let list: string;
let weights: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-noc-shard-'));
  data = path.join(dir, 'synth');
  list = path.join(data, 'val.txt');
  const r = await run(
    'data',
    'make-synthetic',
    '--out',
    data,
    '--count',
    '3',
    '--width',
    '48',
    '--height',
    '40',
    '--min-size',
    '12',
    '--max-size',
    '24',
    '--val-fraction',
    '0.99',
    '--no-sbd',
    '-q',
  );
  expect(r.code, r.err).toBe(0);
  const network = DeepLabResNet.create(interactiveConfig(50, { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 }), { seed: 13 });
  weights = path.join(dir, 'interactive');
  await writeWeightsDir(weights, await network.toWeightEntries(), network.meta());
  network.dispose();
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function noc(...args: string[]): Promise<Record<string, unknown>> {
  const r = await run('noc', '--data-dir', data, '--data-list', list, '--max-clicks', '4', '--json', ...args);
  expect(r.code, r.err).toBe(0);
  return lastJson(r.out);
}

async function shardsMerged(
  args: string[],
): Promise<{ single: Record<string, unknown>; merged: Record<string, unknown>; files: string[] }> {
  const single = await noc(...args);
  const files: string[] = [];
  for (const shard of ['1/2', '0/2']) {
    const out = await noc(...args, '--shard', shard);
    const file = path.join(dir, `noc-${args.join('_').replace(/[^a-z0-9]/gi, '')}-${shard.replace('/', 'of')}.json`);
    fs.writeFileSync(file, `${JSON.stringify({ type: 'result', ...out })}\n`);
    files.push(file);
  }
  const m = await run('merge', 'noc', ...files, '--json');
  expect(m.code, m.err).toBe(0);
  return { single, merged: lastJson(m.out), files };
}

describe('noc --shard + merge noc', () => {
  it('the network: two shards merged give the single run (NoC, failures, curves, per-object entries); timings are the sums', async () => {
    const { single, merged, files } = await shardsMerged(['--weights', weights, '--backend', 'cpu', '--iou', '0.5,0.8']);
    expect((single.instances as unknown[]).length).toBeGreaterThanOrEqual(3);
    expect(withoutTimings(merged)).toEqual(withoutTimings(single));
    expect(merged.merged).toBe(2);
    // The figures recomputed apart from the library: NoC and the hold-last curve from the IoUs.
    const ious = (single.instances as { ious: number[] }[]).map((r) => r.ious);
    const direct = directNoc(ious, 4, 0.5);
    expect(merged.meanNoc as Record<string, number>).toMatchObject({ 'NoC@50': direct.noc });
    expect((merged.nof as Record<string, number>)['NoF@50']).toBe(direct.nof);
    expect(merged.iouCurve as number[]).toEqual(direct.curve.map((v) => expect.closeTo(v, 12)));
    // Merged timings: the shards' per-object costs summed.
    const shards = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { instances: { cost: { seconds: number } }[] });
    const seconds = shards.flatMap((s) => s.instances).reduce((s, r) => s + r.cost.seconds, 0);
    expect(merged.seconds as number).toBeCloseTo(seconds, 9);
    const clicks = ious.reduce((s, r) => s + r.length, 0);
    expect((merged.spc as { total: number }).total).toBeCloseTo(seconds / clicks, 9);

    const twice = await run('merge', 'noc', files[0]!, files[0]!);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/shard 1\/2 is given twice/);
  }, 600_000);

  it('a classic method: two shards merged give the single run; results of other settings are refused', async () => {
    const { single, merged, files } = await shardsMerged(['--method', 'geodesic']);
    expect(withoutTimings(merged)).toEqual(withoutTimings(single));
    expect(merged.method).toBe('geodesic');
    const other = await noc('--method', 'geodesic', '--iou', '0.7', '--shard', '0/2');
    const otherFile = path.join(dir, 'other.json');
    fs.writeFileSync(otherFile, JSON.stringify(other));
    const refused = await run('merge', 'noc', files[0]!, otherFile);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/different thresholds/);
    const notNoc = await run('merge', 'noc', path.join(data, 'val.txt'));
    expect(notNoc.code).toBe(2);
  }, 600_000);
});
