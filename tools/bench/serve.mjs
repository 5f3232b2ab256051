#!/usr/bin/env node
// Per-click latency of `objsel serve` as a client sees it: the built CLI started as its own
// process on a free port with an interactive network of random weights (written once to --dir),
// one image sent, then POST /v1/select by imageId with two clicks that move each request, from
// 1 and from 10 concurrent clients. Reports p50/p95 round-trip ms per client count, and the time
// from SIGTERM to exit with requests in flight. The 2-core machine may be shared: the load
// average at start and end is reported.
// With --weights DIR the network is that weights directory instead (e.g. the interactive model
// web-select ships: --weights examples/web-select/public/models/synthetic-interactive).
//   node tools/bench/serve.mjs [--depth 101|50] [--small] [--weights DIR] [--size 500x375] [--requests 40] [--backend wasm] [--dir DIR]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const depth = Number(flag('--depth', '101'));
const small = args.includes('--small');
const [width, height] = flag('--size', '500x375').split('x').map(Number);
const requests = Number(flag('--requests', '40'));
const backend = flag('--backend', 'wasm');
const DIR = flag('--dir', path.join(os.tmpdir(), `objsel-bench-serve-${depth}${small ? '-small' : ''}`));
const load = () => os.loadavg().map((v) => Number(v.toFixed(2)));
const loadStart = load();

const givenWeights = flag('--weights', undefined);
const weights = givenWeights ? path.resolve(givenWeights) : path.join(DIR, 'interactive');
const imageFile = path.join(DIR, `photo-${width}x${height}.png`);
if (!fs.existsSync(path.join(weights, 'model.json')) || !fs.existsSync(imageFile)) {
  createRequire(import.meta.url)('@tensorflow/tfjs'); // ops and gradients registered, as an entry point does
  const d = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/index.js'));
  const di = await import(path.join(ROOT, 'packages/deeplab-resnet/dist/interactive/index.js'));
  const { writeWeightsDir } = await import(path.join(ROOT, 'packages/caffe-import/dist/node.js'));
  const { encodePng } = await import(path.join(ROOT, 'packages/voc-data/dist/index.js'));
  fs.mkdirSync(DIR, { recursive: true });
  await d.loadBackend('wasm');
  if (!givenWeights) {
    const model = d.DeepLabResNet.create(di.interactiveConfig(depth, small ? { blocks: [1, 1, 1, 1], widthMultiplier: 0.0625 } : {}), {
      seed: 1,
    });
    await writeWeightsDir(weights, await model.toWeightEntries(), model.meta());
    model.dispose();
  }
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inside = (x - width / 2) ** 2 + (y - height / 2) ** 2 < (Math.min(width, height) / 4) ** 2;
      data.fill(inside ? 210 : 40, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  fs.writeFileSync(imageFile, encodePng({ width, height, channels: 3, data }));
}

const server = spawn(process.execPath, [CLI, 'serve', '--weights', weights, '--port', '0', '--backend', backend, '--json'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    const line = text.split('\n').find((l) => l.includes('"listening"'));
    if (line) resolve(JSON.parse(line).url);
  });
  server.on('exit', (code) => reject(new Error(`objsel serve exited with ${code}`)));
});

// node:http, not fetch: a queued ResNet-101 click under 10 clients can wait longer than fetch's
// 300 s header timeout on a busy machine.
const post = (body) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const data = JSON.stringify(body);
    const request = http.request(
      `${url}/v1/select`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (response) => {
        let text = '';
        response.on('data', (c) => (text += c));
        response.on('end', () => {
          const json = JSON.parse(text);
          if (response.statusCode !== 200) reject(new Error(text));
          else resolve({ ms: performance.now() - started, json });
        });
      },
    );
    request.on('error', reject);
    request.end(data);
  });
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))].toFixed(1));
};
const first = await post({
  image: fs.readFileSync(imageFile).toString('base64'),
  clicks: [{ x: width >> 1, y: height >> 1, positive: true }],
});
const { imageId } = first.json;
const click = (i) => [
  { x: (width >> 2) + (i % (width >> 1)), y: height >> 1, positive: true },
  { x: 2 + (i % 7), y: 2, positive: false },
];
const latency = [];
for (const clients of [1, 10]) {
  const times = [];
  const serverMs = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const r = await post({ imageId, clicks: click(next++) });
        times.push(r.ms);
        serverMs.push(r.json.ms);
      }
    }),
  );
  console.error(`serve bench: ${clients} client(s) done`);
  latency.push({
    clients,
    requests: times.length,
    p50: percentile(times, 0.5),
    p95: percentile(times, 0.95),
    selectionMsP50: percentile(serverMs, 0.5),
  });
}
const inFlight = Array.from({ length: 4 }, (_, i) =>
  post({ imageId, clicks: click(i) }).then(
    () => 200,
    (e) => e.message,
  ),
);
await new Promise((r) => setTimeout(r, 50));
const killed = performance.now();
server.kill('SIGTERM');
const exitCode = await new Promise((resolve) => server.on('exit', resolve));
const stopMs = Number((performance.now() - killed).toFixed(0));
console.log(
  JSON.stringify(
    {
      bench: 'serve',
      network: givenWeights
        ? path.relative(ROOT, weights)
        : `resnet-${depth}${small ? ' (1,1,1,1 blocks, width 1/16)' : ''}, random weights`,
      image: `${width}x${height}`,
      backend,
      refine: 'graphcut',
      firstRequestMs: Number(first.ms.toFixed(1)),
      latency,
      sigterm: { inFlight: await Promise.all(inFlight), exitCode, stopMs },
      load: { start: loadStart, end: load() },
    },
    null,
    2,
  ),
);
