// The files the READMEs' commands name, made small and real for tools/readme-commands.mjs:
// photos from ../shared/fixtures, tiny seeded-random networks of each kind (ResNet-50 layout,
// one block per stage, 1/16 of the width), tiny datasets in each layout objsel reads. Each
// README's commands run in a copy of `work/` with HOME at a copy of `home/`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeWeightsDir } from '@objsel/caffe-import/node';
import { DcspNetwork } from '@objsel/dcsp';
import { DeepLabResNet, loadBackend, resnetConfig } from '@objsel/deeplab-resnet';
import { interactiveConfig } from '@objsel/deeplab-resnet/interactive';
import { encodeCaffemodel, parsePrototxt, syntheticLayers } from '@objsel/caffe-import';
import { makeSyntheticDataset, writeNpy } from '@objsel/voc-data';

const TINY = { blocks: [1, 1, 1, 1], widthMultiplier: 1 / 16, asppRates: [1, 2] };

/** What stands for what, printed in the test's log. */
export const STAND_INS = {
  'photo.jpg, 2007_000129.jpg': 'fixtures deeplab/2007_000129.jpg',
  'im1.png, anno1.png': 'fixtures pydensecrf/',
  deeplab_resnet: 'tiny random DeepLab-ResNet weights, 21 classes',
  'snapshots/model.ckpt-20000': 'deeplab_resnet exported as a TF V2 checkpoint',
  'snapshots-interactive, snapshots_interactive, snap': 'tiny random interactive (5-channel) weights',
  'dcsp-snapshots': 'tiny random DCSP weights, 21 classes',
  synth: 'objsel data make-synthetic --count 20 --width 160 --height 120 (as the cli README)',
  '~/VOCdevkit (= ~/VOCdevkit/VOC2012), dataset/*.txt': 'a 12-image synthetic VOC-layout set and its lists',
  '~/datasets/{GrabCut,DAVIS,SBD}': 'node tools/make-benchmark-fixtures.mjs layouts',
  'deploy.prototxt, train_iter_20000.caffemodel': 'fixtures deeplab/deploy.prototxt with 1/16 of the channels, seeded random blobs',
  'VOC2012, benchmark_RELEASE/dataset': 'links to ~/VOCdevkit/VOC2012 and synth (which has SBD cls/ and inst/)',
  'I.jpg, S.png, A.npy': 'a synth image, its saliency and seeded random 20-class attention',
  tools: "the repository's tools/ (commands run as from a clone's root)",
};

async function save(dir, network) {
  await writeWeightsDir(dir, await network.toWeightEntries(), network.meta());
  network.dispose();
}

async function synthetic(dir, options) {
  await makeSyntheticDataset(options, (rel, bytes) => {
    const file = path.join(dir, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, bytes);
  });
}

export async function prepareStandIns(out, { root, fixtures }) {
  const work = path.join(out, 'work');
  const home = path.join(out, 'home');
  mkdirSync(work, { recursive: true });
  mkdirSync(home, { recursive: true });
  for (const name of ['photo.jpg', '2007_000129.jpg']) copyFileSync(path.join(fixtures, 'deeplab/2007_000129.jpg'), path.join(work, name));
  for (const name of ['im1.png', 'anno1.png']) copyFileSync(path.join(fixtures, 'pydensecrf', name), path.join(work, name));

  await loadBackend('wasm');
  await save(path.join(work, 'deeplab_resnet'), DeepLabResNet.create(resnetConfig(50, { ...TINY, numClasses: 21 }), { seed: 1 }));
  await save(path.join(work, 'snapshots-interactive'), DeepLabResNet.create(interactiveConfig(50, TINY), { seed: 2 }));
  for (const alias of ['snapshots_interactive', 'snap']) symlinkSync('snapshots-interactive', path.join(work, alias));
  await save(path.join(work, 'dcsp-snapshots'), DcspNetwork.create(resnetConfig(50, { ...TINY, numClasses: 21 }), { seed: 3 }));

  await synthetic(path.join(work, 'synth'), { count: 20, seed: 1234, width: 160, height: 120, minSize: 32, maxSize: 80 });
  // The READMEs use both ~/VOCdevkit and ~/VOCdevkit/VOC2012 as --data-dir (the TF port's lists
  // name /JPEGImages/... under either): one set, seen from both.
  const voc = path.join(home, 'VOCdevkit');
  await synthetic(voc, { count: 12, seed: 5, width: 96, height: 72, minSize: 24, maxSize: 60, sbd: false });
  symlinkSync('.', path.join(voc, 'VOC2012'));
  mkdirSync(path.join(work, 'dataset'), { recursive: true });
  for (const list of ['train.txt', 'val.txt', 'test.txt', 'train_labels_only.txt', 'train_attn_sal_labels.txt'])
    copyFileSync(path.join(voc, list), path.join(work, 'dataset', list));

  // The real DeepLab deploy.prototxt, every num_output but the 21 classes' divided by 16.
  const deploy = readFileSync(path.join(fixtures, 'deeplab/deploy.prototxt'), 'utf8').replace(/num_output:\s*(\d+)/g, (m, n) =>
    n === '21' ? m : `num_output: ${Number(n) / 16}`,
  );
  writeFileSync(path.join(work, 'deploy.prototxt'), deploy);
  writeFileSync(path.join(work, 'train_iter_20000.caffemodel'), encodeCaffemodel(syntheticLayers(parsePrototxt(deploy), { seed: 4 })));
  symlinkSync(path.join(root, 'tools'), path.join(work, 'tools'));
  symlinkSync(path.join('..', 'home', 'VOCdevkit', 'VOC2012'), path.join(work, 'VOC2012'));
  mkdirSync(path.join(work, 'benchmark_RELEASE'));
  symlinkSync(path.join('..', 'synth'), path.join(work, 'benchmark_RELEASE', 'dataset'));
  copyFileSync(path.join(work, 'synth/JPEGImages/synth_000000.jpg'), path.join(work, 'I.jpg'));
  copyFileSync(path.join(work, 'synth/Saliency/synth_000000.png'), path.join(work, 'S.png'));
  const attention = new Float32Array(120 * 160 * 20);
  for (let i = 0, x = 7; i < attention.length; i++) attention[i] = (x = (x * 48271) % 2147483647) / 2147483647;
  writeFileSync(path.join(work, 'A.npy'), writeNpy({ shape: [120, 160, 20], data: attention }));

  const objsel = path.join(root, 'packages/cli/bin/objsel.js');
  const exported = spawnSync(
    process.execPath,
    [objsel, 'export', '--weights', 'deeplab_resnet', '--to', 'tf-checkpoint', '--out', 'snapshots/model.ckpt-20000'],
    { cwd: work, encoding: 'utf8' },
  );
  if (exported.status !== 0) throw new Error(`stand-in snapshots/model.ckpt-20000: ${exported.stderr}`);
  const benchmarks = spawnSync(
    process.execPath,
    [path.join(root, 'tools/make-benchmark-fixtures.mjs'), path.join(home, 'benchmarks'), '--count', '3'],
    {
      encoding: 'utf8',
    },
  );
  if (benchmarks.status !== 0) throw new Error(`stand-in benchmarks: ${benchmarks.stderr}`);
  mkdirSync(path.join(home, 'datasets'), { recursive: true });
  for (const [name, layout] of [
    ['GrabCut', 'grabcut'],
    ['DAVIS', 'davis'],
    ['SBD', 'sbd'],
  ])
    symlinkSync(path.join('..', 'benchmarks', layout), path.join(home, 'datasets', name));
}
