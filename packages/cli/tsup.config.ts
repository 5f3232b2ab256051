import { readFileSync } from 'node:fs';
import { packageConfig } from '../../tools/tsup.shared';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default {
  ...packageConfig(['src/index.ts', 'src/cli.ts']),
  platform: 'node',
  shims: true,
  define: { __OBJSEL_VERSION__: JSON.stringify(version) },
};
