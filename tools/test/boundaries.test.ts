import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { checkBoundaries, importsOf } from '../check-boundaries.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const rules = JSON.parse(fs.readFileSync(path.join(root, 'tools/boundaries.json'), 'utf8'));

type Violation = { file: string; line?: number; message: string };

/** A copy of the repository's packages (manifests and sources only) to plant violations in. */
function copyPackages(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-boundaries-'));
  fs.cpSync(path.join(root, 'packages'), path.join(dir, 'packages'), {
    recursive: true,
    filter: (src) => !/node_modules|dist/.test(path.relative(root, src)),
  });
  return dir;
}

describe('boundary check', () => {
  it('passes on the repository as it is', () => {
    expect(checkBoundaries(root, rules)).toEqual([]);
  });

  it('fails when a leaf imports another @objsel package, naming the file and line', () => {
    const dir = copyPackages();
    const file = path.join(dir, 'packages/dense-crf/src/planted.ts');
    fs.writeFileSync(file, "// planted\nimport { ClicksError } from '@objsel/clicks';\nexport const x = ClicksError;\n");
    const v: Violation[] = checkBoundaries(dir, rules);
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ file: path.relative(dir, file), line: 2 });
    expect(v[0]!.message).toContain('@objsel/dense-crf may not import @objsel/clicks');
  });

  it('fails when a leaf imports TensorFlow.js, even dynamically', () => {
    const dir = copyPackages();
    fs.writeFileSync(path.join(dir, 'packages/voc-data/src/planted.ts'), "export const load = () => import('@tensorflow/tfjs-core');\n");
    const v: Violation[] = checkBoundaries(dir, rules);
    expect(v.map((x) => x.message)).toEqual(['leaf package @objsel/voc-data may not import TensorFlow.js (@tensorflow/tfjs-core)']);
  });

  it('fails on an upward edge and on a forbidden manifest dependency', () => {
    const dir = copyPackages();
    fs.writeFileSync(path.join(dir, 'packages/deeplab-resnet/src/planted.ts'), "export * from '@objsel/dcsp';\n");
    const manifest = path.join(dir, 'packages/caffe-import/package.json');
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    json.dependencies = { ...json.dependencies, '@tensorflow/tfjs-core': '4.22.0' };
    fs.writeFileSync(manifest, JSON.stringify(json));
    const messages = (checkBoundaries(dir, rules) as Violation[]).map((x) => x.message).sort();
    expect(messages).toEqual([
      '@objsel/deeplab-resnet may not import @objsel/dcsp (allowed: caffe-import, voc-data)',
      'leaf package @objsel/caffe-import may not depend on @tensorflow/tfjs-core',
    ]);
  });

  it('allows declared subpath exports but not undeclared deep imports', () => {
    const dir = copyPackages();
    fs.writeFileSync(
      path.join(dir, 'packages/deeplab-resnet/src/planted.ts'),
      "export * from '@objsel/caffe-import/node';\nexport * from '@objsel/caffe-import/src/errors';\n",
    );
    const v: Violation[] = checkBoundaries(dir, rules);
    expect(v.map((x) => [x.line, x.message])).toEqual([
      [2, 'deep import @objsel/caffe-import/src/errors: import @objsel/caffe-import or one of its exported subpaths'],
    ]);
  });

  it('lets only the subpath module src/interactive/ of deeplab-resnet import clicks and dense-crf', () => {
    const dir = copyPackages();
    // Allowed: the subpath's own files (the repository's src/interactive/ already does), also in a new file.
    fs.writeFileSync(
      path.join(dir, 'packages/deeplab-resnet/src/interactive/planted-ok.ts'),
      "export { crfBinary } from '@objsel/dense-crf';\nexport { graphCut } from '@objsel/clicks';\nexport { DeepLabResNet } from '../model/deeplab';\n",
    );
    fs.writeFileSync(
      path.join(dir, 'packages/deeplab-resnet/src/planted.ts'),
      "import { graphCut } from '@objsel/clicks';\nexport { crfBinary } from '@objsel/dense-crf';\nexport { graphCut };\n",
    );
    const v: Violation[] = checkBoundaries(dir, rules);
    expect(v.map((x) => [x.file, x.line, x.message])).toEqual([
      [
        'packages/deeplab-resnet/src/planted.ts',
        1,
        '@objsel/deeplab-resnet may not import @objsel/clicks (allowed: caffe-import, voc-data; only files under src/interactive/ may import it)',
      ],
      [
        'packages/deeplab-resnet/src/planted.ts',
        2,
        '@objsel/deeplab-resnet may not import @objsel/dense-crf (allowed: caffe-import, voc-data; only files under src/interactive/ may import it)',
      ],
    ]);
  });

  it('fails when the rest of deeplab-resnet reaches into src/interactive/, by path or by the subpath name', () => {
    const dir = copyPackages();
    fs.writeFileSync(
      path.join(dir, 'packages/deeplab-resnet/src/train/planted.ts'),
      "export { INTERACTIVE_MEAN } from '../interactive/input';\nexport * from '../interactive';\nexport * from '@objsel/deeplab-resnet/interactive';\nexport * from './labels';\n",
    );
    const v: Violation[] = checkBoundaries(dir, rules);
    expect(v.map((x) => [x.line, x.message])).toEqual([
      [1, '../interactive/input is inside the subpath module @objsel/deeplab-resnet/interactive: only its own files may import it'],
      [2, '../interactive is inside the subpath module @objsel/deeplab-resnet/interactive: only its own files may import it'],
      [3, '@objsel/deeplab-resnet/interactive: the rest of @objsel/deeplab-resnet may not import its subpath module'],
    ]);
  });

  it('holds the subpath module to its own list: src/interactive/ may not import dcsp', () => {
    const dir = copyPackages();
    fs.writeFileSync(path.join(dir, 'packages/deeplab-resnet/src/interactive/planted.ts'), "export * from '@objsel/dcsp';\n");
    const manifest = path.join(dir, 'packages/dcsp/package.json');
    const json = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    json.dependencies = { ...json.dependencies, '@objsel/clicks': '^0.1.0' };
    fs.writeFileSync(manifest, JSON.stringify(json));
    const messages = (checkBoundaries(dir, rules) as Violation[]).map((x) => x.message).sort();
    expect(messages).toEqual([
      '@objsel/dcsp may not depend on @objsel/clicks',
      '@objsel/deeplab-resnet in src/interactive/ may not import @objsel/dcsp (allowed: caffe-import, voc-data, clicks, dense-crf)',
    ]);
  });

  it('ignores imports inside comments and finds require/import()/export-from forms', () => {
    const text =
      "// import x from '@objsel/a'\n/* require('@objsel/b') */\nconst c = require('c');\nexport { d } from 'd';\nawait import('e');\nimport 'f';\n";
    expect(importsOf(text)).toEqual([
      { specifier: 'c', line: 3 },
      { specifier: 'd', line: 4 },
      { specifier: 'e', line: 5 },
      { specifier: 'f', line: 6 },
    ]);
  });
});
