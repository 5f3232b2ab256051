import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { BarRenderer, JsonLinesRenderer, createProgram, formatDuration, main } from '../src/index';
import { capture } from './capture';

/** Every command path, e.g. ['dcsp', 'train'], so each one's --help is checked. */
async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = [];
  const walk = (cmd: Command, prefix: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...prefix, sub.name()];
      paths.push(p);
      walk(sub, p);
    }
  };
  walk(await createProgram(capture().streams), []);
  return paths;
}

describe('objsel CLI', () => {
  it('prints help with examples for the program and every command, exit 0', async () => {
    const paths = await commandPaths();
    expect(paths.length).toBeGreaterThan(0);
    for (const p of [[], ...paths]) {
      const io = capture();
      expect(await main(['node', 'objsel', ...p, '--help'], io.streams)).toBe(0);
      expect(io.out()).toContain('Usage: objsel');
      expect(io.out()).toContain('Examples:');
    }
  });

  it('prints the version', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', '--version'], io.streams)).toBe(0);
    expect(io.out().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects unknown commands and bad backends with exit 2', async () => {
    const io = capture();
    expect(await main(['node', 'objsel', 'no-such-command'], io.streams)).toBe(2);
    expect(io.err()).toContain("unknown command 'no-such-command'");
    const io2 = capture();
    expect(await main(['node', 'objsel', 'doctor', '--backend', 'gpu9000'], io2.streams)).toBe(2);
    expect(io2.err()).toContain('Allowed choices are auto, tensorflow, webgpu, wasm, cpu');
  });

  it.each([
    ['a missing required option', ['crf', '--image', 'x.png'], "required option '--out <file>' not specified"],
    ['an unknown option', ['doctor', '--nope'], "unknown option '--nope'"],
    ['a missing option argument', ['crf', '--image'], "option '--image <file>' argument missing"],
    ['excess arguments', ['doctor', 'extra'], 'too many arguments'],
    ['an invalid choice', ['crf', '--image', 'x', '--labels', 'y', '--out', 'z', '--preset', 'nope'], 'Allowed choices are'],
    ['an unknown command', ['no-such-command'], "unknown command 'no-such-command'"],
    ['an unknown subcommand', ['clicks', 'nope'], "unknown command 'nope'"],
  ])('a usage error (%s) is one line on stderr, exit 2', async (_what, args, says) => {
    const io = capture();
    expect(await main(['node', 'objsel', ...args], io.streams)).toBe(2);
    const lines = io
      .err()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines, io.err()).toHaveLength(1);
    expect(lines[0]).toMatch(/^objsel: .*\(add --help for usage\)$/);
    expect(lines[0]).toContain(says);
    expect(io.out()).toBe('');
  });

  it('doctor: the tensorflow backend where tfjs-node is set up, else the package to install and the setup script, on one line', async () => {
    const io = capture();
    const code = await main(['node', 'objsel', 'doctor', '--backend', 'tensorflow', '--json'], io.streams);
    process.exitCode = 0;
    const result = JSON.parse(io.out().trim().split('\n').pop()!);
    if (result.tensorflow.status === 'ready') {
      expect(code).toBe(0);
      expect(result.backend).toBe('tensorflow');
      expect(result.tensorflow.hint).toBeNull();
      return;
    }
    expect(code).toBe(2);
    expect(result.backend).toBeNull();
    expect(result.backendError).toContain(
      result.tensorflow.status === 'not-installed' ? 'npm install @tensorflow/tfjs-node-gpu@4.22.0' : 'tools/setup-tfjs-node.sh',
    );
    expect(result.backendError).not.toContain('\n');
    expect(result.tensorflow.hint).toContain('bash tools/setup-tfjs-node.sh');
  });
  it('doctor: the version of each optional package, or how to install it', async () => {
    const io = capture();
    await main(['node', 'objsel', 'doctor', '--backend', 'cpu', '--json'], io.streams);
    process.exitCode = 0;
    const result = JSON.parse(io.out().trim().split('\n').pop()!);
    const names = result.packages.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node', 'sharp']));
    const root = path.resolve(__dirname, '../../..');
    for (const p of result.packages as Array<{ name: string; version: string | null; install: string | null }>) {
      const manifest = path.join(root, 'node_modules', p.name, 'package.json');
      if (fs.existsSync(manifest)) {
        expect(p.version).toBe(JSON.parse(fs.readFileSync(manifest, 'utf8')).version);
        expect(p.install).toBeNull();
        continue;
      }
      expect(p.version).toBeNull();
      expect(p.install).toMatch(new RegExp(`^npm install ${p.name.replace(/[/.]/g, '\\$&')}(@4\\.22\\.0)?( |$)`));
      if (p.name.startsWith('@tensorflow/tfjs-node')) expect(p.install).toContain('bash tools/setup-tfjs-node.sh');
    }
    const human = capture();
    await main(['node', 'objsel', 'doctor', '--backend', 'cpu'], human.streams);
    process.exitCode = 0;
    for (const p of result.packages) if (p.install) expect(human.out()).toContain(`install: ${p.install}`);
  });
});

describe('progress rendering', () => {
  it('formats durations', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3725)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });

  it('draws a bar with percentage and an ETA from the rate so far', () => {
    let t = 0;
    const writes: string[] = [];
    const bar = new BarRenderer({ write: (s: string) => writes.push(s), columns: 200 }, () => t);
    bar.update({ task: 'train', done: 0, total: 100 });
    t = 10_000; // 10 s for 25 steps -> 30 s left
    bar.update({ task: 'train', done: 25, total: 100, metrics: { loss: 0.5 } });
    const last = writes.at(-1)!;
    expect(last).toContain('25/100 25% eta 30s');
    expect(last).toContain('loss=0.5000');
    expect(last).toContain('[######------------------]');
  });

  it('writes one JSON object per event', () => {
    const lines: string[] = [];
    const r = new JsonLinesRenderer({ write: (s: string) => lines.push(s) }, () => 0);
    r.update({ task: 'convert', done: 3, total: 7 });
    expect(JSON.parse(lines[0]!)).toEqual({ type: 'progress', task: 'convert', done: 3, total: 7, elapsed: 0 });
  });
});
