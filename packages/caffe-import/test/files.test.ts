import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CaffeImportError,
  MODEL_JSON,
  baseName,
  isNotFound,
  joinPath,
  listDir,
  normalizePath,
  parentPath,
  pathInside,
  readTextIfExists,
  readWeightsDirWith,
  writeFileAtomic,
  writeWeightsDirWith,
  type ObjselNetworkMeta,
  type ReadableFiles,
  type WeightEntry,
} from '@objsel/caffe-import';
import { memoryFiles } from '../../../tools/test/memory-files';

const META: ObjselNetworkMeta = {
  version: 1,
  architecture: 'deeplab-v2-resnet',
  depth: 101,
  blocks: [3, 4, 23, 3],
  numClasses: 3,
  inputChannels: 3,
  widthMultiplier: 1,
  asppRates: [6, 12, 18, 24],
  bnEpsilon: 1e-5,
  layers: [],
};

function entry(name: string, shape: number[], seed: number): WeightEntry {
  const n = shape.reduce((a, b) => a * b, 1);
  return { name, shape, data: Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i)) };
}

/** Today's check with Node's path module: `rel` read from `root` stays strictly inside it. */
function nodeInside(p: typeof path.posix, root: string, rel: string): string | undefined {
  if (p.isAbsolute(rel)) return undefined;
  const file = p.resolve(root, rel);
  const inside = p.relative(root, file);
  return inside === '' || inside.startsWith('..') || p.isAbsolute(inside) ? undefined : file;
}

const segment = fc.constantFrom('a', 'b', '.', '..', '..a', 'a..', '...', '', 'base');

describe('path strings', () => {
  it('normalizePath is path.posix.normalize', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', 'b', '.', '/'), { maxLength: 14 }), (chars) => {
        const s = chars.join('');
        expect(normalizePath(s)).toBe(path.posix.normalize(s));
      }),
      { numRuns: 3000 },
    );
  });

  it('joinPath, parentPath and baseName', () => {
    expect(joinPath('a/', '/b', 'c')).toBe('a/b/c');
    expect(joinPath('/', 'b')).toBe('/b');
    expect(joinPath('', 'b', '')).toBe('b');
    expect(joinPath('/abs/dir', 'model.json')).toBe('/abs/dir/model.json');
    expect(parentPath('a/b/')).toBe('a');
    expect(parentPath('b')).toBe('.');
    expect(parentPath('/b')).toBe('/');
    expect(parentPath('/x/./y/../z')).toBe('/x');
    expect(baseName('a/b/')).toBe('b');
    expect(baseName('/')).toBe('');
    expect(baseName('./out')).toBe('out');
  });

  it('pathInside decides exactly as Node on POSIX for an absolute directory', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('/w/x/base', '/base', '/', '/w/./x//base/'),
        fc.array(segment, { maxLength: 7 }),
        fc.boolean(),
        (dir, segments, lead) => {
          const rel = (lead ? '/' : '') + segments.join('/');
          expect(pathInside(dir, rel)).toBe(nodeInside(path.posix, dir, rel));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('pathInside is never looser than Node for a relative directory, on POSIX or on Windows', () => {
    const cwd = '/c/d';
    fc.assert(
      fc.property(
        fc.constantFrom('.', 'out', 'a/../out', '../d', 'x/y'),
        fc.array(fc.oneof(segment, fc.constantFrom('\\', 'C:', '..\\..', 'a\\b', 'd:x')), { maxLength: 6 }),
        (dir, segments) => {
          const rel = segments.join('/');
          const mine = pathInside(dir, rel);
          if (mine === undefined) return;
          const posixRoot = path.posix.resolve(cwd, dir);
          expect(nodeInside(path.posix, posixRoot, rel)).toBe(path.posix.resolve(cwd, mine));
          expect(nodeInside(path.win32, path.win32.resolve('C:\\c\\d', dir), rel)).not.toBeUndefined();
        },
      ),
      { numRuns: 5000 },
    );
    expect(pathInside('out', '..\\..\\etc\\passwd')).toBeUndefined();
    expect(pathInside('out', 'C:/etc/passwd')).toBeUndefined();
    expect(pathInside('out', 'group1-shard1of2.bin')).toBe('out/group1-shard1of2.bin');
  });
});

describe('file helpers over WritableFiles', () => {
  it('listDir, readTextIfExists and isNotFound treat a missing path as empty, other errors as errors', async () => {
    const { files } = memoryFiles({ 'd/a.txt': 'A', 'd/e/b.txt': 'B' });
    expect(await listDir(files, 'd')).toEqual(['a.txt', 'e']);
    expect(await listDir(files, 'nope')).toEqual([]);
    expect(await readTextIfExists(files, 'd/a.txt')).toBe('A');
    expect(await readTextIfExists(files, 'd/none.txt')).toBeUndefined();
    await expect(readTextIfExists(files, 'd/e')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(isNotFound(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(true);
    expect(isNotFound({ name: 'NotFoundError' })).toBe(true);
    expect(isNotFound(new Error('x'))).toBe(false);
    expect(isNotFound(null)).toBe(false);
  });

  it('writeFileAtomic replaces a file, and a failed rename leaves the old content and no temporary file', async () => {
    const mem = memoryFiles({ 'd/index.json': 'old' });
    await writeFileAtomic(mem.files, 'd/index.json', 'new');
    expect(await readTextIfExists(mem.files, 'd/index.json')).toBe('new');
    expect(mem.log.map((l) => l.split(' ')[0])).toEqual(['writeFile', 'rename']);
    mem.failAt = { call: mem.log.length + 2, error: new Error('crash') };
    await expect(writeFileAtomic(mem.files, 'd/index.json', 'newer')).rejects.toThrow('crash');
    expect(await readTextIfExists(mem.files, 'd/index.json')).toBe('new');
    expect(await mem.files.readdir('d')).toEqual(['index.json']);
  });
});

describe('writeWeightsDirWith / readWeightsDirWith over any file system', () => {
  const entries = [entry('a/weights', [3, 3, 3, 4], 1), entry('a/biases', [4], 2)];

  it('round-trips through a read-only view, passing each shard as its own copy', async () => {
    const mem = memoryFiles();
    const written = await writeWeightsDirWith(mem.files, 'w/model', entries, META, { shardBytes: 100, generatedBy: 'test' });
    expect(written.generatedBy).toBe('test');
    expect(await mem.files.readdir('w')).toEqual(['model']);
    const shards = written.weightsManifest[0]!.paths;
    expect(shards.length).toBe(5); // 112 float32 in 100-byte shards
    // Shards come from one reused buffer: had the writer kept it, they would all be the last shard.
    expect(new Set(shards.map((s) => Array.from(mem.contents.get(`w/model/${s}`)!).join())).size).toBe(shards.length);
    const readOnly: ReadableFiles = { readFile: mem.files.readFile, readdir: mem.files.readdir, exists: mem.files.exists };
    const back = await readWeightsDirWith(readOnly, 'w/model/');
    expect(back.modelJson).toEqual(written);
    expect(back.entries.map((e) => [e.name, e.shape, Array.from(e.data)])).toEqual(
      entries.map((e) => [e.name, e.shape, Array.from(e.data)]),
    );
  });

  it('beforeRename adds files that appear with the weights; an existing directory is replaced whole', async () => {
    const mem = memoryFiles({ 'out/stale.bin': 'x' });
    await writeWeightsDirWith(mem.files, 'out', entries, META, {
      beforeRename: async (temp) => {
        expect(await mem.files.exists(joinPath(temp, MODEL_JSON))).toBe(true);
        await mem.files.writeFile(joinPath(temp, 'trainer.json'), '{}');
      },
    });
    expect(await mem.files.readdir('out')).toEqual(['group1-shard1of1.bin', 'model.json', 'trainer.json']);
    expect(await mem.files.readdir('.')).toEqual(['out']);
  });

  it('a crash at any call leaves the previous directory or the new one whole, and only hidden leftovers', async () => {
    const probe = memoryFiles();
    await writeWeightsDirWith(probe.files, 'out', [entry('old', [50], 9)], META);
    const before = probe.log.length;
    await writeWeightsDirWith(probe.files, 'out', entries, META, { shardBytes: 200 });
    const calls = probe.log.length - before;
    expect(calls).toBeGreaterThan(6);
    for (let n = 1; n <= calls; n++) {
      const mem = memoryFiles();
      await writeWeightsDirWith(mem.files, 'out', [entry('old', [50], 9)], META);
      mem.failAt = { call: mem.log.length + n, error: Object.assign(new Error('simulated crash'), { code: 'ECRASH' }) };
      await expect(writeWeightsDirWith(mem.files, 'out', entries, META, { shardBytes: 200 })).rejects.toMatchObject({ code: 'ECRASH' });
      const names = (await readWeightsDirWith(mem.files, 'out')).entries.map((e) => e.name);
      expect([['old'], ['a/weights', 'a/biases']], `crash at call ${n}`).toContainEqual(names);
      expect((await mem.files.readdir('.')).filter((f) => f !== 'out' && !f.startsWith('.out.'))).toEqual([]);
    }
  });

  it('refuses a path that names no directory of its own, and unreadable or escaping manifests', async () => {
    const mem = memoryFiles();
    for (const dir of ['.', '..', '/', 'a/..']) {
      await expect(writeWeightsDirWith(mem.files, dir, entries, META)).rejects.toMatchObject({ name: 'CaffeImportError', code: 'io' });
    }
    expect(mem.log).toEqual([]);
    await writeWeightsDirWith(mem.files, 'm', entries, META);
    const json = JSON.parse(new TextDecoder().decode(await mem.files.readFile('m/model.json')));
    json.weightsManifest[0].paths[0] = 'a/../../m2/group1-shard1of1.bin';
    await mem.files.writeFile('m/model.json', JSON.stringify(json));
    await expect(readWeightsDirWith(mem.files, 'm')).rejects.toThrow(/m\/model\.json: shard path .* leaves the weights directory/);
    await expect(readWeightsDirWith(mem.files, 'none')).rejects.toMatchObject({ code: 'io', file: 'none/model.json' });
    await mem.files.writeFile('m/model.json', '[]');
    await expect(readWeightsDirWith(mem.files, 'm')).rejects.toBeInstanceOf(CaffeImportError);
  });
});
