import { readFileSync } from 'node:fs';
import { packageConfig } from '../../tools/tsup.shared';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default {
  ...packageConfig(['src/index.ts', 'src/cli.ts', 'src/serve/network-worker.ts']),
  // objsel serve's network thread: dist/serve-network-worker.js, beside the chunks that start it.
  entry: { index: 'src/index.ts', cli: 'src/cli.ts', 'serve-network-worker': 'src/serve/network-worker.ts' },
  platform: 'node',
  shims: true,
  define: { __OBJSEL_VERSION__: JSON.stringify(version) },
  // tfjs-core's gradients and chained ops (src/tfjs-registrations.ts): Node cannot load those
  // dist files as published, so they are bundled; tfjs-core's entry itself stays external.
  noExternal: [/^@tensorflow\/tfjs-core\/dist\//],
};
