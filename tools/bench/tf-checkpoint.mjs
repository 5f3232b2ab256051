#!/usr/bin/env node
// Benchmark of @objsel/caffe-import's TensorFlow checkpoint reader and writer on a full-size
// (176 MB) DeepLab-ResNet-101: seeded random blobs for the real deploy.prototxt, converted to the
// TF port's names, written as a V2 checkpoint (index + one data shard) and as a V1 file (values as
// packed float_val, as TensorFlow writes them) in a temp dir. Each measurement runs in a fresh Node
// process so its peak RSS (getrusage maxrss) is its own. Prints one JSON object. Runs against the built dist/ (npx nx run caffe-import:build).
//   node tools/bench/tf-checkpoint.mjs [--prototxt FILE] [--repeat N]
import { spawnSync } from 'node:child_process';
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

const lib = () => import(path.join(DIST, 'index.js'));
const nodeLib = () => import(path.join(DIST, 'node.js'));
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const cpuMs = (since) => {
  const u = process.cpuUsage(since);
  return Math.round((u.user + u.system) / 100) / 10;
};
const ms = (t0) => Math.round((performance.now() - t0) * 10) / 10;

/** Protobuf helpers for the V1 file (tensor_content TensorProtos), over plain byte arrays. */
function varint(out, v) {
  while (v >= 128) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}
function lenField(field, bytes) {
  const head = [];
  varint(head, (field << 3) | 2);
  varint(head, bytes.length);
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const varintField = (field, v) => {
  const b = [];
  varint(b, field << 3);
  varint(b, v);
  return Uint8Array.from(b);
};
const shape = (dims) => concat(...dims.map((d) => lenField(2, d ? varintField(1, d) : new Uint8Array(0))));
const fullSlice = (rank) => concat(...Array.from({ length: rank }, () => lenField(1, new Uint8Array(0))));

// ---- child phases -------------------------------------------------------------------------
const phases = {
  async generate([prototxt, dir]) {
    const { parsePrototxt, syntheticLayers, encodeCaffemodel, convertDeeplab, writeTfCheckpointV2, buildTable, tensorSliceKey } =
      await lib();
    const t0 = performance.now();
    const text = fs.readFileSync(prototxt, 'utf8');
    const caffemodel = encodeCaffemodel(syntheticLayers(parsePrototxt(text), { seed: 20261122 }));
    const { entries, meta } = convertDeeplab(text, caffemodel, { consumeInput: true });
    const v2 = writeTfCheckpointV2(entries, meta, { extra: [{ name: 'global_step', shape: [], data: BigInt64Array.of(20000n) }] });
    fs.writeFileSync(path.join(dir, 'model.ckpt-20000.index'), v2.index);
    fs.writeFileSync(path.join(dir, 'model.ckpt-20000.data-00000-of-00001'), v2.data);
    fs.writeFileSync(path.join(dir, 'checkpoint'), 'model_checkpoint_path: "model.ckpt-20000"\n');
    // V1: the table of contents, then one SavedTensorSlices{data} per tensor.
    const toc = concat(
      ...entries.map((e) =>
        lenField(
          1,
          concat(
            lenField(1, new TextEncoder().encode(e.name)),
            lenField(2, shape(e.shape)),
            varintField(3, 1),
            lenField(4, fullSlice(e.shape.length)),
          ),
        ),
      ),
      lenField(2, varintField(1, 1)),
    );
    const rows = [[new Uint8Array(0), lenField(1, toc)]];
    for (const e of entries) {
      const key = tensorSliceKey(
        e.name,
        e.shape.map(() => ({ start: 0 })),
      );
      // Packed float_val, as TensorFlow's V1 writer stores float32 values.
      const tensor = lenField(5, new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength));
      rows.push([
        key,
        lenField(2, concat(lenField(1, new TextEncoder().encode(e.name)), lenField(2, fullSlice(e.shape.length)), lenField(3, tensor))),
      ]);
    }
    rows.sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    const v1 = buildTable(rows);
    fs.writeFileSync(path.join(dir, 'deeplab_resnet.ckpt'), v1);
    return { v2Bytes: v2.index.length + v2.data.length, v1Bytes: v1.length, weights: entries.length, ms: ms(t0) };
  },
  // What `objsel convert --checkpoint` will do: resolve, read, verify, map, write the weights directory.
  async convert([checkpoint, outDir, write]) {
    // The files are read for this conversion only: V1 values may be realigned inside them.
    const { convertTfCheckpoint } = await lib();
    const { nodeFileSystem, writeWeightsDir } = await nodeLib();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const result = await convertTfCheckpoint(nodeFileSystem, checkpoint, { consumeInput: true });
    const convertMs = ms(t0);
    const convertCpuMs = cpuMs(c0);
    const t1 = performance.now();
    if (write === '1') await writeWeightsDir(outDir, result.entries, result.meta);
    return {
      convertMs,
      convertCpuMs,
      writeMs: ms(t1),
      totalMs: ms(t0),
      totalCpuMs: cpuMs(c0),
      format: result.report.format,
      depth: result.report.architecture.depth,
      weights: result.report.totals.weights,
      parameters: result.report.totals.parameters,
      filesReadMB: Math.round(result.filesRead.reduce((n, f) => n + f.bytes, 0) / 1048576),
      peakRssMB: peakRssMB(),
    };
  },
  // `objsel export --to tf-checkpoint`: weights directory → V2 files.
  async export([weightsDir, prefix]) {
    const { tfCheckpointV2Parts } = await lib();
    const { readWeightsDir } = await nodeLib();
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { modelJson, entries } = await readWeightsDir(weightsDir);
    // The data shard is written chunk by chunk from the weights themselves (no joined copy).
    const { index, dataChunks } = tfCheckpointV2Parts(entries, modelJson.objsel);
    fs.writeFileSync(`${prefix}.index`, index);
    const fd = fs.openSync(`${prefix}.data-00000-of-00001`, 'w');
    for (const chunk of dataChunks) fs.writeSync(fd, chunk);
    fs.closeSync(fd);
    return { totalMs: ms(t0), totalCpuMs: cpuMs(c0), peakRssMB: peakRssMB() };
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
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-bench-tfckpt-'));
try {
  const generated = child('generate', prototxt, work);
  const v2MB = generated.v2Bytes / 1048576;
  const v1MB = generated.v1Bytes / 1048576;
  const runs = (phase, ...rest) => Array.from({ length: repeat }, () => child(phase, ...rest));
  const report = (rs, fileMB) => ({
    totalMs: summary(rs, 'totalMs'),
    totalCpuMs: summary(rs, 'totalCpuMs'),
    convertMs: summary(rs, 'convertMs'),
    convertCpuMs: summary(rs, 'convertCpuMs'),
    writeMs: summary(rs, 'writeMs'),
    peakRssMB: median(rs.map((r) => r.peakRssMB)),
    peakRssOverFileSize: Math.round((median(rs.map((r) => r.peakRssMB)) / fileMB) * 100) / 100,
    depth: rs[0].depth,
    weights: rs[0].weights,
    parameters: rs[0].parameters,
  });
  const v2Convert = runs('convert', work, path.join(work, 'out-v2'), '0');
  const v2ConvertWrite = runs('convert', work, path.join(work, 'out-v2w'), '1');
  const v1Convert = runs('convert', path.join(work, 'deeplab_resnet.ckpt'), path.join(work, 'out-v1'), '0');
  const exported = runs('export', path.join(work, 'out-v2w'), path.join(work, 'exported'));
  console.log(
    JSON.stringify(
      {
        benchmark: 'tf-checkpoint',
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          node: process.version,
          loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
          note: 'shared 2-core machine: wall timings are noisy, CPU times less so; peak RSS includes Node itself (~45 MB)',
        },
        files: { v2MB: Math.round(v2MB * 10) / 10, v1MB: Math.round(v1MB * 10) / 10, weights: generated.weights, generateMs: generated.ms },
        target: 'convert the 176 MB ResNet-101 checkpoint in under 3 s with peak RSS under 2x its size',
        v2: { convert: report(v2Convert, v2MB), convertAndWriteWeightsDir: report(v2ConvertWrite, v2MB) },
        v1: { convert: report(v1Convert, v1MB) },
        exportV2: {
          totalMs: summary(exported, 'totalMs'),
          totalCpuMs: summary(exported, 'totalCpuMs'),
          peakRssMB: median(exported.map((r) => r.peakRssMB)),
        },
      },
      null,
      2,
    ),
  );
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
