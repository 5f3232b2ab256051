import { loadBackend } from '@objsel/deeplab-resnet';
import { it } from 'vitest';
import { runDcspDemo } from '../src/index';

it('demo', async () => {
  await loadBackend('wasm');
  const opts = JSON.parse(process.env.DEMO_OPTS ?? '{}');
  let last = '';
  const cpu0 = process.cpuUsage();
  const summary = await runDcspDemo({
    ...opts,
    onProgress: (e) => {
      const key = e.task;
      if (key !== last || e.done === e.total) {
        console.log(e.task, e.done, e.total, JSON.stringify(e.metrics ?? {}));
        last = key;
      }
    },
  });
  const cpu = process.cpuUsage(cpu0);
  console.log('CPU seconds', (cpu.user + cpu.system) / 1e6);
  console.log(JSON.stringify(summary));
}, 900_000);
