/**
 * What `objsel` prints when not on a terminal: plain text progress lines on stderr, a few of them
 * (first, then at most one every 5 s, and the last); JSON lines only with `--json`; nothing at all
 * with `--quiet` on success.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TextLinesRenderer, main } from '../src/index';
import { capture } from './capture';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');
const BUILT = existsSync(path.join(ROOT, 'packages/cli/dist/cli.js'));

/** pydensecrf's example as a command: 5 iterations, a progress event each. */
function crfArgs(...global: string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'objsel-output-'));
  return [
    ...global,
    'crf',
    '--image',
    path.join(FIXTURES, 'pydensecrf/im1.png'),
    '--labels',
    path.join(FIXTURES, 'pydensecrf/anno1.png'),
    '--out',
    path.join(dir, 'out.png'),
  ];
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('TextLinesRenderer', () => {
  it('prints the first event with work done, then at most one line per interval, and the last state', () => {
    let t = 0;
    const written: string[] = [];
    const r = new TextLinesRenderer({ write: (s: string) => written.push(s) }, () => t, 5000);
    for (let step = 0; step <= 20000; step += 10) {
      t = step * 186; // 0.186 s a step: 20,000 steps in 1h02m
      r.update({ task: 'train', done: step, total: 20000, metrics: { loss: 0.84 } });
    }
    r.finish();
    // An event every 1.86 s for 3720 s: none for step 0, a line at step 10, then every third event
    // (5.58 s), and the last.
    expect(written.length).toBe(Math.floor(2000 / 3) + 2);
    expect(written[0]).toBe('train: 10/20000 (0.1%), loss 0.8400, ETA 1h01m\n');
    expect(written.find((l) => l.startsWith('train: 160/'))).toBe('train: 160/20000 (0.8%), loss 0.8400, ETA 1h01m\n');
    expect(written.at(-1)).toBe('train: 20000/20000 (100%), loss 0.8400, 1h02m\n');
    for (const l of written) expect(l.startsWith('{') || l.includes('\r') || l.includes(String.fromCharCode(27))).toBe(false);
  });

  it('says "ETA ?" until there is a rate: a task first seen with work done, or no time elapsed', () => {
    let t = 0;
    const written: string[] = [];
    const r = new TextLinesRenderer({ write: (s: string) => written.push(s) }, () => t, 1000);
    r.update({ task: 'crf', done: 1, total: 5 }); // the time spent on the first unit is unknown
    t = 2000;
    r.update({ task: 'crf', done: 3, total: 5 }); // 2 units in 2 s since then: 2 left, 2 s
    r.update({ task: 'infer', done: 0, total: 4 });
    r.update({ task: 'infer', done: 2, total: 4 }); // no time has passed: no rate
    expect(written).toEqual(['crf: 1/5 (20%), ETA ?\n', 'crf: 3/5 (60%), ETA 2s\n', 'infer: 2/4 (50%), ETA ?\n']);
  });

  it('prints a pending last state when the command ends before done = total', () => {
    let t = 0;
    const written: string[] = [];
    const r = new TextLinesRenderer({ write: (s: string) => written.push(s) }, () => t);
    r.update({ task: 'evaluate', done: 1 });
    t = 1000;
    r.update({ task: 'evaluate', done: 7, message: 'img7.jpg' });
    expect(written).toEqual(['evaluate: 1, 0s\n']);
    r.finish();
    r.finish();
    expect(written).toEqual(['evaluate: 1, 0s\n', 'evaluate: 7, img7.jpg, 1s\n']);
  });
});

describe('objsel output when not on a terminal', () => {
  it('plain text progress on stderr, no JSON; the result on stdout', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', ...crfArgs()], io.streams)).toBe(0);
    expect(io.err()).not.toContain('{');
    const progress = lines(io.err());
    // 5 iterations well within 5 s: the first line and the last.
    expect(progress).toEqual([expect.stringMatching(/^crf: 1\/5 \(20%\), ETA \S+$/), expect.stringMatching(/^crf: 5\/5 \(100%\), \S+$/)]);
    expect(io.out()).toMatch(/^wrote .*out\.png \(320x240, \d+ labels, labels\)/);
  });

  it('--json: JSON lines only, on stdout', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', ...crfArgs('--json')], io.streams)).toBe(0);
    expect(io.err()).toBe('');
    const events = lines(io.out()).map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'progress').map((e) => e.done)).toEqual([1, 2, 3, 4, 5]);
    expect(events.at(-1).type).toBe('result');
  });

  it('--quiet: nothing at all on success', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', ...crfArgs('--quiet')], io.streams)).toBe(0);
    expect(io.out()).toBe('');
    expect(io.err()).toBe('');
  });

  it('--quiet still prints the error, on one line, exit 2', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', '-q', 'crf', '--image', 'missing.png', '--labels', 'a.png', '--out', 'o.png'], io.streams)).toBe(
      2,
    );
    expect(io.out()).toBe('');
    expect(io.err()).toBe('objsel: missing.png: no such file or directory\n');
  });

  it.skipIf(!BUILT)('a real process with stdout and stderr piped prints text lines, not JSON', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/objsel.js'), ...crfArgs()], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(lines(r.stderr)).toHaveLength(2);
    expect(r.stderr).toMatch(/^crf: 1\/5 \(20%\), ETA \S+\ncrf: 5\/5 \(100%\), \S+\n$/);
  });
});
