/** Issue 15, "nothing lost": staged outputs appear all together or not at all; leftovers of dead writers are removed. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempSuffix } from '@objsel/caffe-import';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isProcessRunning,
  parseTemporaryName,
  removeStaleTemporaries,
  stageOutputs,
  withStagedOutputs,
  writeOutputs,
} from '../src/staged-outputs';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-staged-'));

/** The pid of a process that has exited (a child we waited for). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

/** Every entry under `dir`, directories with a trailing slash, sorted. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const rel = path.relative(dir, path.join(d, e.name));
      out.push(e.isDirectory() ? `${rel}/` : rel);
      if (e.isDirectory()) walk(path.join(d, e.name));
    }
  };
  walk(dir);
  return out.sort();
}

describe('temporary names', () => {
  it('tempSuffix() starts with this process id, and every name built from it parses back to it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}$/), fc.constantFrom('tmp', 'old', 'partial'), (base, kind) => {
        const parsed = parseTemporaryName(`.${base}.${kind}-${tempSuffix()}`);
        expect(parsed).toEqual({ target: base, kind, pid: process.pid });
      }),
    );
    for (const name of ['model.json', '.hidden', '.x.tmp-abc', '.x.tmp-lzz1-abc-1', 'x.tmp-1-a-b-1'])
      expect(parseTemporaryName(name)).toBeUndefined();
  });

  it('tells a running process from one that has exited', () => {
    expect(isProcessRunning(process.pid)).toBe(true);
    expect(isProcessRunning(process.ppid)).toBe(true);
    expect(isProcessRunning(deadPid())).toBe(false);
  });
});

describe('removeStaleTemporaries', () => {
  it("removes a dead writer's files and directories, keeps a live writer's, and puts a moved-aside .old- directory back", () => {
    const dir = tmp();
    const dead = deadPid();
    const suffix = (pid: number) => `${pid}-lz1-abc-1`;
    fs.writeFileSync(path.join(dir, `.mask.png.tmp-${suffix(dead)}`), 'half');
    fs.mkdirSync(path.join(dir, `.w.tmp-${suffix(dead)}`));
    fs.writeFileSync(path.join(dir, `.w.tmp-${suffix(dead)}`, 'group1-shard1of1.bin'), 'half');
    fs.mkdirSync(path.join(dir, `.keep.old-${suffix(dead)}`)); // its target is missing: the only copy
    fs.writeFileSync(path.join(dir, `.keep.old-${suffix(dead)}`, 'model.json'), '{}');
    fs.mkdirSync(path.join(dir, 'there'));
    fs.mkdirSync(path.join(dir, `.there.old-${suffix(dead)}`)); // its target exists: a leftover
    fs.writeFileSync(path.join(dir, `.live.tmp-${suffix(process.ppid)}`), 'in progress');
    fs.writeFileSync(path.join(dir, `.own.tmp-${suffix(process.pid)}`), 'in progress');
    fs.writeFileSync(path.join(dir, '.unknown.tmp-0-lz1-abc-1'), 'a browser writer');
    fs.writeFileSync(path.join(dir, 'mask.png'), 'unrelated');
    const done = removeStaleTemporaries(dir);
    expect(done.sort()).toEqual([
      `.keep.old-${suffix(dead)}`,
      `.mask.png.tmp-${suffix(dead)}`,
      `.there.old-${suffix(dead)}`,
      `.w.tmp-${suffix(dead)}`,
    ]);
    expect(tree(dir)).toEqual(
      [
        `.live.tmp-${suffix(process.ppid)}`,
        `.own.tmp-${suffix(process.pid)}`,
        '.unknown.tmp-0-lz1-abc-1',
        'keep/',
        'keep/model.json',
        'mask.png',
        'there/',
      ].sort(),
    );
    expect(removeStaleTemporaries(path.join(dir, 'missing'))).toEqual([]);
  });
});

describe('withStagedOutputs', () => {
  it('puts every output in place only when the work succeeds', async () => {
    const dir = tmp();
    const files = await withStagedOutputs([path.join(dir, 'out')], async (out) => {
      await out.write(path.join(dir, 'out', 'a.png'), 'a');
      await out.write(path.join(dir, 'out', 'deep', 'b.npy'), 'b');
      // Before the commit only temporaries exist, under the final directory.
      expect(
        tree(dir)
          .filter((f) => !f.endsWith('/'))
          .every((f) => parseTemporaryName(path.basename(f))?.pid === process.pid),
      ).toBe(true);
      return out.files;
    });
    expect(files).toEqual([path.join(dir, 'out', 'a.png'), path.join(dir, 'out', 'deep', 'b.npy')]);
    expect(tree(dir)).toEqual(['out/', 'out/a.png', 'out/deep/', 'out/deep/b.npy']);
    expect(fs.readFileSync(path.join(dir, 'out', 'deep', 'b.npy'), 'utf8')).toBe('b');
  });

  it('a failure part-way leaves the tree exactly as before: no outputs, no temporaries, no directories it made', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'existing'));
    fs.writeFileSync(path.join(dir, 'existing', 'keep.txt'), 'k');
    const before = tree(dir);
    await expect(
      withStagedOutputs([path.join(dir, 'new')], async (out) => {
        await out.mkdir(path.join(dir, 'new', 'masks'));
        await out.write(path.join(dir, 'new', 'masks', '1.png'), '1');
        await out.write(path.join(dir, 'existing', '2.png'), '2');
        throw new Error('corrupt image 3');
      }),
    ).rejects.toThrow('corrupt image 3');
    expect(tree(dir)).toEqual(before);
  });

  it('a created directory with discardUnless goes whole unless the named file is in it', async () => {
    const dir = tmp();
    const fail = (sub: string, marker: boolean) =>
      withStagedOutputs([path.join(dir, sub)], async (out) => {
        await out.mkdir(path.join(dir, sub), { discardUnless: 'checkpoint.json' });
        fs.writeFileSync(path.join(dir, sub, 'metrics.jsonl'), '{}\n'); // written by a library, not staged
        if (marker) fs.writeFileSync(path.join(dir, sub, 'checkpoint.json'), '{}');
        throw new Error('step failed');
      });
    await expect(fail('a', false)).rejects.toThrow();
    await expect(fail('b', true)).rejects.toThrow();
    expect(tree(dir)).toEqual(['b/', 'b/checkpoint.json', 'b/metrics.jsonl']);
  });

  it("a failure removes the library's own temporaries in the watched places, and starting removes dead writers'", async () => {
    const dir = tmp();
    const stale = path.join(dir, `.w.tmp-${deadPid()}-lz1-abc-1`);
    fs.mkdirSync(stale);
    const staging = stageOutputs([path.join(dir, 'w')]);
    expect(fs.existsSync(stale)).toBe(false);
    fs.mkdirSync(path.join(dir, `.w.tmp-${tempSuffix()}`)); // as writeWeightsDir makes it
    staging.discard();
    expect(tree(dir)).toEqual([]);
  });

  it('writeOutputs writes all files or none (the second in a directory that cannot be made)', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'file'), 'not a directory');
    await expect(
      writeOutputs([
        [path.join(dir, 's.png'), 'mask'],
        [undefined, 'skipped'],
        [path.join(dir, 'file', 'p.npy'), 'probs'],
      ]),
    ).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(tree(dir)).toEqual(['file']);
    await writeOutputs([
      [path.join(dir, 's.png'), 'mask'],
      [path.join(dir, 'p.npy'), 'probs'],
    ]);
    expect(tree(dir)).toEqual(['file', 'p.npy', 's.png']);
  });

  it('a rename failing at the commit says how many outputs were written', async () => {
    const dir = tmp();
    await expect(
      withStagedOutputs([dir], async (out) => {
        await out.write(path.join(dir, 'a'), 'a');
        await out.write(path.join(dir, 'b'), 'b');
        fs.mkdirSync(path.join(dir, 'b')); // a directory appears where b goes
        fs.writeFileSync(path.join(dir, 'b', 'x'), 'x');
      }),
    ).rejects.toThrow(/b: cannot write: .*1 of 2 outputs were written before it \(.*a\)/);
    expect(tree(dir)).toEqual(['a', 'b/', 'b/x']);
  });
});
