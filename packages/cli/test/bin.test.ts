/**
 * The README's `npx objsel --help` works after `npm install`: the workspace links the committed
 * bin shim (bin/objsel.js) at install time, and the shim runs the build. Runs real processes
 * against dist/, so it needs `npm run build` first (`npm test` builds before testing).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../..');
const SHIM = path.join(ROOT, 'packages/cli/bin/objsel.js');
const BUILT = existsSync(path.join(ROOT, 'packages/cli/dist/cli.js'));
if (!BUILT && process.env.CI) throw new Error('packages/cli/dist/cli.js is missing: npm test builds before testing');

describe('the objsel bin', () => {
  it('package.json points the bin at the committed shim, which npm links into node_modules/.bin', () => {
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8'));
    expect(manifest.bin).toEqual({ objsel: './bin/objsel.js' });
    expect(manifest.files).toContain('bin');
    const link = path.join(ROOT, 'node_modules/.bin/objsel');
    expect(existsSync(link)).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(SHIM));
  });

  it.skipIf(!BUILT)('`npm exec objsel -- --help` in the repository prints the usage', () => {
    const out = execFileSync('npm', ['exec', '--no', '--', 'objsel', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(out).toContain('Usage: objsel [options] [command]');
    expect(out).toContain('Examples:');
  });

  it('without a build the shim says to build, on one line, exit 2', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'objsel-bin-'));
    mkdirSync(path.join(dir, 'bin'));
    copyFileSync(SHIM, path.join(dir, 'bin/objsel.js'));
    copyFileSync(path.join(ROOT, 'packages/cli/package.json'), path.join(dir, 'package.json'));
    const r = spawnSync(process.execPath, [path.join(dir, 'bin/objsel.js'), '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('objsel: the CLI is not built yet: run `npm run build` in the objsel repository first\n');
  });
});
