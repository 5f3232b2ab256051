// Worker-thread entry of the prefetching loader (Node only; built to dist/worker.js and never
// imported by the package index): reads files, decodes, augments, posts the sample back.
import { parentPort, workerData } from 'node:worker_threads';
import { VocDataError } from './errors';
import { nodeFileSource } from './files';
import { SampleRng } from './sample-rng';
import { loadSample, prepareSample, type SampleOptions } from './sample';
import type { WorkerReply, WorkerRequest } from './worker-pool';

const options = (workerData as { options: SampleOptions }).options;
const files = nodeFileSource();

parentPort!.on('message', (m: WorkerRequest) => {
  if (m.type !== 'task') return;
  void (async () => {
    try {
      const loaded = await loadSample(m.task.entry, files, options);
      const sample = prepareSample(loaded, options, new SampleRng(m.task.seed));
      const transfer: ArrayBuffer[] = [sample.image.buffer as ArrayBuffer];
      if (sample.label) transfer.push(sample.label.buffer as ArrayBuffer);
      for (const map of sample.maps ?? []) transfer.push(map.buffer as ArrayBuffer);
      parentPort!.postMessage({ type: 'done', id: m.id, sample } satisfies WorkerReply, transfer);
    } catch (error) {
      const e = error as VocDataError;
      const reply: WorkerReply = {
        type: 'error',
        id: m.id,
        error: {
          name: e.name,
          code: e instanceof VocDataError ? e.code : 'io',
          message: e.message ?? String(error),
          ...(e.file ? { file: e.file } : {}),
          ...(e.where ? { where: e.where } : {}),
        },
      };
      parentPort!.postMessage(reply);
    }
  })();
});
