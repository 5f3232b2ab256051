/**
 * `objsel ... | head -1`: a reader that closes stdout early ends the run quietly (exit 141, as
 * SIGPIPE would; no EPIPE stack). Runs the built CLI in a child process (a real pipe); needs
 * `npm run build` first (`npm test` builds before testing).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../../tools/test/fixtures';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = path.join(ROOT, 'packages/cli/dist/cli.js');
const BUILT = existsSync(CLI);
if (!BUILT && process.env.CI) throw new Error(`${CLI} is missing: npm test builds before testing`);

describe.skipIf(!BUILT)('stdout closed early', () => {
  it('inspect --json stops with exit 141 and nothing on stderr once its reader has gone', async () => {
    const child = spawn(process.execPath, [CLI, '--json', 'inspect', fixture('deeplab/deploy.prototxt')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Close the reading end before the first line, as `objsel ... | true` does (`head -1` does
    // the same after its line; reading first would race the pipe's 64 kB buffer).
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });
});
