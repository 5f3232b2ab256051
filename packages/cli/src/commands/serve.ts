import type { Command } from 'commander';
import type { CliContext } from '../context';
import { withExamples } from '../examples';
import { numberFlag } from '../flags';
import { openInteractiveModel } from '../models';
import { addRefineFlags, brsFromFlags, refineFromFlags, type RawSelectionFlags } from '../selection-flags';

interface RawServeFlags extends RawSelectionFlags {
  weights: string;
  host: string;
  port: string;
  cors?: string;
  maxBodyMb: string;
  cacheMb: string;
  maxMegapixels: string;
  threshold: string;
}

/** Signals that stop the server gracefully. */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** `objsel serve`: the interactive network behind HTTP for CVAT, Label Studio and objsel's own JSON API. */
export function registerServe(program: Command, context: () => CliContext): void {
  const cmd = program
    .command('serve')
    .description(
      'serve an interactive network over HTTP: POST /v1/select (COCO RLE, PNG or polygons), a CVAT interactor (/cvat/interactor) and a Label Studio ML backend (/predict)',
    )
    .requiredOption('--weights <dir>', 'interactive weights: a weights directory, checkpoint or snapshot directory')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0: any free port)', '8080')
    .option('--cors <origin>', 'allow browser calls from this origin (none by default)')
    .option('--max-body-mb <n>', 'largest request body in MiB (413 above)', '32')
    .option('--cache-mb <n>', 'memory for decoded images, by content hash, least recently used dropped first', '512')
    .option('--max-megapixels <n>', 'largest image accepted (413 above)', '40')
    .option('--threshold <t>', 'probability threshold for --refine none (a request may give its own)', '0.5');
  addRefineFlags(cmd, 'graphcut').action(async (flags: RawServeFlags) => {
    const ctx = context();
    const port = numberFlag('--port', flags.port, { integer: true, min: 0, max: 65535 });
    const maxBodyBytes = Math.round(numberFlag('--max-body-mb', flags.maxBodyMb, { min: 0, minExclusive: true }) * 2 ** 20);
    const cacheBytes = Math.round(numberFlag('--cache-mb', flags.cacheMb, { min: 0 }) * 2 ** 20);
    const maxPixels = Math.round(numberFlag('--max-megapixels', flags.maxMegapixels, { min: 0, minExclusive: true }) * 1e6);
    const threshold = numberFlag('--threshold', flags.threshold, { min: 0, max: 1 });
    const refine = refineFromFlags(flags);
    const brs = brsFromFlags(flags);
    // The built CLI runs the network in a worker thread (a forward no longer blocks the server, and
    // one running at the shutdown deadline is ended); from the sources (tests) it runs in-process.
    const { WorkerModel, networkWorkerFile } = await import('../serve/worker-model');
    const workerFile = networkWorkerFile(import.meta.url);
    const { model, backend } = workerFile
      ? await WorkerModel.open(workerFile, flags.weights, ctx.options)
      : await openInteractiveModel(ctx, flags.weights);
    const { weightsModelLongSide } = await import('../weights-metadata');
    const modelLongSide = await weightsModelLongSide(flags.weights);
    // The probability at the model size is resized back on this thread: TF.js's CPU backend does it
    // when the network (and its backend) lives in the worker thread.
    if (modelLongSide && workerFile) {
      (await import('@tensorflow/tfjs')).enableProdMode(); // as the CLI's own backends (no tfjs-node banner)
      await (await import('@objsel/deeplab-resnet')).loadBackend('cpu');
    }
    const domain = await (await import('../selection-warnings')).weightsDomain(flags.weights);
    // One line per request: JSON lines on stdout with --json, text on stderr otherwise.
    const log = (line: string) =>
      ctx.options.json ? ctx.streams.stdout.write(`${JSON.stringify({ type: 'request', message: line })}\n`) : ctx.info(line);
    const { Selector } = await import('../serve/selector');
    const { startSelectionServer } = await import('../serve/server');
    const selector = new Selector(model, {
      ...refine,
      ...(brs ? { brs } : {}),
      threshold,
      cacheBytes,
      maxPixels,
      blocksEventLoop: !workerFile,
      ...(modelLongSide ? { modelLongSide } : {}),
      ...(domain ? { domain } : {}),
      onWarning: (line) => ctx.warn(line),
    });
    const server = await startSelectionServer({
      selector,
      model: {
        weights: flags.weights,
        backend,
        refine: refine.refine,
        threshold,
        brs: brs !== undefined,
        networkThread: Boolean(workerFile),
        ...(modelLongSide ? { modelLongSide } : {}),
      },
      host: flags.host,
      port,
      maxBodyBytes,
      ...(flags.cors ? { cors: flags.cors } : {}),
      log,
    });
    if (ctx.options.json) ctx.streams.stdout.write(`${JSON.stringify({ type: 'listening', url: server.url, backend })}\n`);
    else ctx.info(`objsel serve: ${server.url} (${backend}, refine ${refine.refine}); SIGTERM or Ctrl-C stops it`);
    const signal = await new Promise<string>((resolve) => {
      for (const name of STOP_SIGNALS) process.once(name, () => resolve(name));
    });
    ctx.info(`${signal}: finishing ${selector.pending} request(s), then stopping`);
    await server.close(4000);
    await selector.idle(); // the selection running at the deadline, before its network is freed
    await model.dispose();
    ctx.result({ stopped: signal, url: server.url }, () => `stopped on ${signal}`);
  });
  withExamples(cmd, [
    'objsel serve --weights snapshots-interactive --port 8080',
    'objsel serve --weights snap --host 0.0.0.0 --refine crf --cors https://labelstudio.example.org',
    'objsel serve --weights snap --backend onnx --port 9000   # ONNX Runtime',
    `curl -s localhost:8080/v1/select -H 'content-type: application/json' -d '{"image":"'$(base64 -w0 photo.jpg)'","clicks":[{"x":120,"y":80,"positive":true}]}'`,
  ]);
}
