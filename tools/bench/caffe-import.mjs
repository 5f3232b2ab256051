#!/usr/bin/env node
// Benchmark of @objsel/caffe-import on a full-size (176 MB) DeepLab-ResNet-101 caffemodel made
// from the real deploy.prototxt with seeded random blobs in a temp dir. Each measurement runs in
// a fresh Node process so its peak RSS (getrusage maxrss) is its own. Prints one JSON object.
// Runs against the built dist/ (npx nx run caffe-import:build, and cli:build for the CLI timing).
//   node tools/bench/caffe-import.mjs [--prototxt FILE] [--keep] [--repeat N]
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DIST = path.join(ROOT, 'packages/caffe-import/dist');
const SELF = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};

async function lib() {
  return import(path.join(DIST, 'index.js'));
}
async function nodeLib() {
  return import(path.join(DIST, 'node.js'));
}
const peakRssMB = () => process.resourceUsage().maxRSS / 1024;
// CPU time (user + system) of this process: less disturbed than wall time on a shared machine.
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 100) / 10;
};
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10;

// ---- child phases -------------------------------------------------------------------------
const phases = {
  async generate([prototxt, out, format, floats]) {
    const { parsePrototxt, syntheticLayers, encodeCaffemodel } = await lib();
    const net = parsePrototxt(fs.readFileSync(prototxt, 'utf8'));
    const t0 = performance.now();
    const layers = syntheticLayers(net, { seed: 20261122 });
    const bytes = encodeCaffemodel(layers, { format, floats, name: 'DeepLab-ResNet-101 (random)' });
    fs.writeFileSync(out, bytes);
    return { bytes: bytes.length, ms: ms(t0) };
  },
  // Parse only, from a file already in memory; consume=1 lets the parser realign in place.
  async parse([file, consume]) {
    const { parseCaffemodel } = await lib();
    const t0 = performance.now();
    const bytes = fs.readFileSync(file);
    const readMs = ms(t0);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const model = parseCaffemodel(bytes, { reuseBuffer: consume === '1' });
    const parseMs = ms(t1);
    const parseCpuMs = cpuMs(c1);
    const blobs = model.layers.flatMap((l) => l.blobs);
    return {
      readMs,
      parseMs,
      parseCpuMs,
      layers: model.layers.length,
      blobs: blobs.length,
      views: blobs.filter((b) => b.isView).length,
      peakRssMB: peakRssMB(),
    };
  },
  // What `objsel convert` does: read both files, parse, convert (in place), write the weights dir.
  async convert([prototxt, file, outDir]) {
    const { convertDeeplab } = await lib();
    const { writeWeightsDir } = await nodeLib();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const text = fs.readFileSync(prototxt, 'utf8');
    const bytes = fs.readFileSync(file);
    const readMs = ms(t0);
    const c1 = process.cpuUsage();
    const result = convertDeeplab(text, bytes, { consumeInput: true });
    const convertCpuMs = cpuMs(c1);
    const t1 = performance.now();
    await writeWeightsDir(outDir, result.entries, result.meta);
    const writeMs = ms(t1);
    return {
      readMs,
      ...result.timings,
      convertCpuMs,
      writeMs,
      totalMs: ms(t0),
      totalCpuMs: cpuMs(c0),
      parameters: result.report.totals.parameters,
      weights: result.report.totals.weights,
      peakRssMB: peakRssMB(),
    };
  },
  // `objsel convert` through the CLI's main() (module loading excluded, everything else included).
  async cli([prototxt, file, outDir]) {
    const { main } = await import(path.join(ROOT, 'packages/cli/dist/index.js'));
    const quiet = { write: () => true, isTTY: false };
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const code = await main(['node', 'objsel', 'convert', '--prototxt', prototxt, '--caffemodel', file, '--out', outDir, '--quiet'], {
      stdout: quiet,
      stderr: quiet,
    });
    if (code !== 0) throw new Error(`objsel convert exited ${code}`);
    return { wallMs: ms(t0), cpuMs: cpuMs(c0), peakRssMB: peakRssMB() };
  },
  // The same decode with protobufjs reflection (a subset schema), for comparison.
  async protobufjs([file]) {
    const { createRequire } = await import('node:module');
    const require = createRequire(path.join(ROOT, 'packages/caffe-import/package.json'));
    const protobuf = require('protobufjs');
    const root = protobuf.Root.fromJSON({
      nested: {
        BlobShape: { fields: { dim: { rule: 'repeated', type: 'int64', id: 1 } } },
        BlobProto: {
          fields: {
            shape: { type: 'BlobShape', id: 7 },
            data: { rule: 'repeated', type: 'float', id: 5 },
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
        NetParameter: { fields: { name: { type: 'string', id: 1 }, layer: { rule: 'repeated', type: 'LayerParameter', id: 100 } } },
      },
    });
    const bytes = fs.readFileSync(file);
    const t0 = performance.now();
    const net = root.lookupType('NetParameter').decode(bytes);
    // Arrays of JS numbers: make them Float32Arrays, as a converter would need.
    let values = 0;
    for (const l of net.layer) for (const b of l.blobs) values += Float32Array.from(b.data).length;
    return { parseMs: ms(t0), values, peakRssMB: peakRssMB() };
  },
};

if (args[0] === '--phase') {
  const result = await phases[args[1]](args.slice(2));
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

// ---- driver -------------------------------------------------------------------------------
function child(phase, ...rest) {
  const r = spawnSync(process.execPath, [SELF, '--phase', phase, ...rest], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${phase} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (rs, key) => ({ median: median(rs.map((r) => r[key])), runs: rs.map((r) => r[key]) });

const prototxt = flag('--prototxt', path.resolve(ROOT, '../shared/fixtures/deeplab/deploy.prototxt'));
const repeat = Number(flag('--repeat', 3));
if (!fs.existsSync(path.join(DIST, 'index.js'))) throw new Error('build first: npx nx run caffe-import:build');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-bench-caffe-'));
try {
  const model = path.join(work, 'deeplab_resnet101.caffemodel');
  const generated = child('generate', prototxt, model, 'layer', 'packed');
  const fileMB = generated.bytes / 1024 / 1024;
  const runs = (phase, ...rest) => Array.from({ length: repeat }, () => child(phase, ...rest));
  const parseCopy = runs('parse', model, '0');
  const parseInPlace = runs('parse', model, '1');
  const convert = runs('convert', prototxt, model, path.join(work, 'out'));
  const pbjs = child('protobufjs', model);
  let cli = null;
  const cliJs = path.join(ROOT, 'packages/cli/dist/cli.js');
  if (fs.existsSync(cliJs))
    try {
      const times = [];
      for (let i = 0; i < repeat; i++) {
        const t0 = performance.now();
        execFileSync(
          process.execPath,
          [cliJs, 'convert', '--prototxt', prototxt, '--caffemodel', model, '--out', path.join(work, 'cli-out'), '--quiet'],
          { stdio: 'ignore' },
        );
        times.push(ms(t0));
      }
      const inProcess = runs('cli', prototxt, model, path.join(work, 'cli-out2'));
      cli = {
        processWallMs: {
          median: median(times),
          runs: times,
          note: 'whole process: Node start-up, module loading, read, parse, convert, write (fsync)',
        },
        commandWallMs: summary(inProcess, 'wallMs'),
        commandCpuMs: summary(inProcess, 'cpuMs'),
        peakRssMB: median(inProcess.map((r) => r.peakRssMB)),
        peakRssOverFileSize: Math.round((median(inProcess.map((r) => r.peakRssMB)) / fileMB) * 100) / 100,
      };
    } catch (error) {
      // Other packages' dist/ may be mid-rebuild on a shared checkout: report, do not fail.
      cli = { error: String(error.message).split('\n').slice(0, 3).join(' ') };
    }
  console.log(
    JSON.stringify(
      {
        benchmark: 'caffe-import',
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          node: process.version,
          loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
          note: 'shared 2-core machine: wall timings are noisy, CPU times less so',
        },
        file: {
          bytes: generated.bytes,
          megabytes: Math.round(fileMB * 10) / 10,
          layers: parseCopy[0].layers,
          blobs: parseCopy[0].blobs,
          generateMs: generated.ms,
        },
        parse: {
          copyMisaligned: {
            parseMs: summary(parseCopy, 'parseMs'),
            parseCpuMs: summary(parseCopy, 'parseCpuMs'),
            readMs: summary(parseCopy, 'readMs'),
            views: parseCopy[0].views,
            peakRssMB: median(parseCopy.map((r) => r.peakRssMB)),
          },
          reuseBuffer: {
            parseMs: summary(parseInPlace, 'parseMs'),
            parseCpuMs: summary(parseInPlace, 'parseCpuMs'),
            views: parseInPlace[0].views,
            peakRssMB: median(parseInPlace.map((r) => r.peakRssMB)),
          },
        },
        convert: {
          totalMs: summary(convert, 'totalMs'),
          readMs: summary(convert, 'readMs'),
          parseCaffemodelMs: summary(convert, 'parseCaffemodel'),
          parsePrototxtMs: summary(convert, 'parsePrototxt'),
          convertMs: summary(convert, 'convert'),
          convertCpuMs: summary(convert, 'convertCpuMs'),
          totalCpuMs: summary(convert, 'totalCpuMs'),
          writeMs: summary(convert, 'writeMs'),
          peakRssMB: median(convert.map((r) => r.peakRssMB)),
          peakRssOverFileSize: Math.round((median(convert.map((r) => r.peakRssMB)) / fileMB) * 100) / 100,
          parameters: convert[0].parameters,
          weights: convert[0].weights,
        },
        cli,
        protobufjsReflection: pbjs,
        targets: { parseMs: 1000, convertMs: 3000, peakRssOverFileSize: 2, pythonProtobufParseMs: 4000 },
      },
      null,
      2,
    ),
  );
} finally {
  if (!args.includes('--keep')) fs.rmSync(work, { recursive: true, force: true });
}
