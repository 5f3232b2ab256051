/**
 * The CLI against a hostile user: every command with its file and number flags declared by kind,
 * and the cases generated from them (missing, directory, empty, random bytes, output = input,
 * out-of-range and huge numbers). Each case must end with exit 2, exactly one line on stderr, no
 * stack trace, naming the flag or file at fault, and the directory tree exactly as before (no
 * input overwritten, nothing written). New commands join by declaring their flags below.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { encodeIndexPng, encodePng, writeNpy } from '@objsel/voc-data';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index';
import { createProgram } from '../src/program';
import { treeSnapshot } from './tree-snapshot';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURES = process.env.OBJSEL_FIXTURES ?? path.resolve(ROOT, '../shared/fixtures');
const W = 32;
const H = 24;

/** A seeded byte generator (xorshift32), so "random bytes" are the same on every run. */
function randomBytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0 || 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

/** A PNG whose header declares 100000 x 100000 RGB pixels, with a few bytes of data: must be refused before allocating. */
function hugePng(): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(100_000, 0);
  ihdr.writeUInt32BE(100_000, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]);
}

/** An .npy whose header declares float32 [100000, 100000, 20] with 64 bytes of data. */
function hugeNpy(): Uint8Array {
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 20), }";
  header += `${' '.repeat(63 - ((10 + header.length) % 64))}\n`;
  const prefix = Buffer.alloc(10);
  prefix.set([0x93, ...Buffer.from('NUMPY', 'latin1'), 1, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.alloc(64)]);
}

/** The valid files every command starts from, written into `dir`; returns their paths by name. */
function writeInputs(dir: string): Record<string, string> {
  const rgb = new Uint8Array(W * H * 3).map((_, i) => (i * 37) % 256);
  const labels = new Uint8Array(W * H).map((_, i) => (i % W < W / 2 ? 1 : 0));
  const anno = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) if (i % W < 4) anno.set([255, 0, 0], i * 3);
  const files: Record<string, Uint8Array | string> = {
    'image.png': encodePng({ width: W, height: H, channels: 3, data: rgb }),
    'anno.png': encodePng({ width: W, height: H, channels: 3, data: anno }),
    'gt.png': encodeIndexPng(labels, W, H),
    'pred.png': encodeIndexPng(new Uint8Array(W * H), W, H),
    'probs2.npy': writeNpy({ shape: [H, W], data: new Float32Array(W * H).fill(0.6) }),
    'attention.npy': writeNpy({ shape: [H, W, 20], data: new Float32Array(W * H * 20) }),
    'saliency.png': encodePng({ width: W, height: H, channels: 1, data: new Uint8Array(W * H).fill(200) }),
    'clicks.json': '{"positive": [[3, 4]], "negative": [[20, 10]]}\n',
    'net.prototxt': fs.readFileSync(path.join(FIXTURES, 'deeplab/deploy.prototxt'), 'utf8'),
    'list.txt': 'a\n',
    'image-list.txt': '/image.png\n',
  };
  const out: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(files)) {
    out[name] = path.join(dir, name);
    fs.writeFileSync(out[name], bytes);
  }
  // Stand-ins the commands must refuse before opening: a weights directory and a data directory.
  for (const sub of ['weights', 'data']) {
    out[sub] = path.join(dir, sub);
    fs.mkdirSync(out[sub]);
    fs.writeFileSync(path.join(out[sub], 'keep.txt'), 'unrelated');
  }
  out.caffemodel = path.join(dir, 'net.caffemodel');
  fs.writeFileSync(out.caffemodel, randomBytes(64, 7));
  return out;
}

/** A command: its arguments from the input files, and which flags read files or write them. */
interface CommandSpec {
  name: string;
  args: (f: Record<string, string>, out: (name: string) => string) => string[];
  /** Flags (or positional index as `#0`) that read a file. */
  inputs: string[];
  /** Flags that write a file. */
  outputs: string[];
  /** Flags with values out of their range: [flag, value]. */
  numbers?: Array<[string, string]>;
}

const COMMANDS: CommandSpec[] = [
  {
    name: 'crf',
    args: (f, out) => ['crf', '--image', f['image.png']!, '--labels', f['anno.png']!, '--out', out('o.png'), '--iterations', '2'],
    inputs: ['--image', '--labels'],
    outputs: ['--out', '--save-probs'],
    numbers: [
      ['--iterations', '1e12'],
      ['--iterations', '-1'],
      ['--gt-prob', '1'],
      ['--threads', '100000'],
    ],
  },
  {
    name: 'graphcut',
    args: (f, out) => [
      'graphcut',
      '--image',
      f['image.png']!,
      '--probs',
      f['probs2.npy']!,
      '--clicks',
      f['clicks.json']!,
      '--out',
      out('o.png'),
    ],
    inputs: ['--image', '--probs', '--clicks'],
    outputs: ['--out'],
    numbers: [['--sigma', '0']],
  },
  {
    name: 'clicks maps',
    args: (f, out) => ['clicks', 'maps', '--clicks', f['clicks.json']!, '--width', String(W), '--height', String(H), '--out', out('m.npy')],
    inputs: ['--clicks'],
    outputs: ['--out'],
    numbers: [
      ['--width', '100000'],
      ['--width', '0'],
      ['--scale', '1e9'],
    ],
  },
  {
    name: 'clicks next',
    args: (f) => ['clicks', 'next', '--gt', f['gt.png']!, '--pred', f['pred.png']!],
    inputs: ['--gt', '--pred'],
    outputs: [],
    numbers: [
      ['--object', '-1'],
      ['--object', '255'],
    ],
  },
  {
    name: 'dcsp cues',
    args: (f, out) => [
      'dcsp',
      'cues',
      '--image',
      f['image.png']!,
      '--attention',
      f['attention.npy']!,
      '--saliency',
      f['saliency.png']!,
      '--tags',
      '1',
      '--out',
      out('c.png'),
    ],
    inputs: ['--image', '--attention', '--saliency'],
    outputs: ['--out'],
    numbers: [['--threshold', '2']],
  },
  {
    name: 'inspect',
    args: (f) => ['inspect', f['net.prototxt']!],
    inputs: ['#1'],
    outputs: [],
  },
  {
    name: 'convert',
    args: (f, out) => ['convert', '--prototxt', f['net.prototxt']!, '--caffemodel', f.caffemodel!, '--out', out('w')],
    inputs: ['--caffemodel'],
    outputs: ['--out'],
  },
  {
    name: 'infer',
    args: (f, out) => ['infer', f['image.png']!, '--weights', f.weights!, '--save-dir', out('masks')],
    inputs: [],
    outputs: ['--save-logits'],
  },
  {
    name: 'select',
    args: (f, out) => ['select', f['image.png']!, '--weights', f.weights!, '--click', '3,4,+', '--out', out('s.png')],
    inputs: [],
    outputs: ['--out', '--overlay', '--probs'],
  },
  {
    name: 'train',
    args: (f, out) => [
      'train',
      '--from-scratch',
      '--data-dir',
      f.data!,
      '--data-list',
      f['list.txt']!,
      '--snapshot-dir',
      out('snap'),
      '--num-steps',
      '1',
    ],
    inputs: [],
    outputs: [],
    numbers: [
      ['--input-size', '100000,100000'],
      ['--keep', '0'],
      ['--num-steps', '1e300'],
      ['--batch-size', '1e9'],
    ],
  },
];

/** One case: the arguments, and a word the error line must contain. */
interface Case {
  title: string;
  argv: (f: Record<string, string>, dir: string) => string[];
  mentions: (f: Record<string, string>, dir: string) => string;
}

/** Replaces a flag's value (or a positional argument `#i`), adding the flag when absent. */
function withValue(argv: string[], flag: string, value: string): string[] {
  if (flag.startsWith('#')) {
    const copy = [...argv];
    copy[Number(flag.slice(1))] = value;
    return copy;
  }
  const i = argv.indexOf(flag);
  if (i < 0) return [...argv, flag, value];
  const copy = [...argv];
  copy[i + 1] = value;
  return copy;
}

/** The file each input flag reads in the base arguments (for output = input cases). */
function inputValue(argv: string[], flag: string): string {
  if (flag.startsWith('#')) return argv[Number(flag.slice(1))]!;
  return argv[argv.indexOf(flag) + 1]!;
}

function cases(spec: CommandSpec): Case[] {
  const out: Case[] = [];
  const base = (f: Record<string, string>, dir: string) => spec.args(f, (name) => path.join(dir, 'out', name));
  for (const flag of spec.inputs) {
    const bad: Array<[string, (f: Record<string, string>, dir: string) => string]> = [
      ['missing', (_f, dir) => path.join(dir, 'nope', 'missing.bin')],
      ['a directory', (f) => f.data!],
      ['empty', (_f, dir) => path.join(dir, 'empty.bin')],
      ['random bytes', (_f, dir) => path.join(dir, 'random.bin')],
    ];
    // The flag's own valid file cut in half, and (for images and arrays) one declaring a huge size.
    bad.push([
      'truncated',
      (f, dir) => {
        const valid = fs.readFileSync(inputValue(base(f, dir), flag));
        const file = path.join(dir, `truncated${path.extname(inputValue(base(f, dir), flag))}`);
        fs.writeFileSync(file, valid.subarray(0, valid.length >> 1));
        return file;
      },
    ]);
    bad.push([
      'declaring a huge size',
      (f, dir) => {
        const ext = path.extname(inputValue(base(f, dir), flag));
        const file = path.join(dir, `huge${ext}`);
        fs.writeFileSync(file, ext === '.npy' ? hugeNpy() : ext === '.png' ? hugePng() : randomBytes(64, 3));
        return file;
      },
    ]);
    for (const [kind, value] of bad) {
      out.push({
        title: `${flag} ${kind}`,
        argv: (f, dir) => withValue(base(f, dir), flag, value(f, dir)),
        mentions: (f, dir) => value(f, dir),
      });
    }
  }
  for (const flag of spec.outputs) {
    for (const input of spec.inputs) {
      out.push({
        title: `${flag} = ${input}`,
        argv: (f, dir) => withValue(base(f, dir), flag, inputValue(base(f, dir), input)),
        mentions: () => flag,
      });
    }
    out.push({
      title: `${flag} in a directory that cannot be made (under a file)`,
      argv: (f, dir) => withValue(base(f, dir), flag, path.join(f['list.txt']!, 'sub', 'o.bin')),
      mentions: (f) => f['list.txt']!,
    });
    if (spec.name !== 'convert') {
      out.push({
        title: `${flag} names an existing directory`,
        argv: (f, dir) => withValue(base(f, dir), flag, f.data!),
        mentions: () => flag,
      });
    }
  }
  for (const [flag, value] of spec.numbers ?? []) {
    out.push({ title: `${flag} ${value}`, argv: (f, dir) => withValue(base(f, dir), flag, value), mentions: () => flag });
  }
  return out;
}

/** Extra cases named in issue 15 that the generator does not produce. */
const EXTRA: Array<{ command: string } & Case> = [
  {
    command: 'crf',
    title: '--out and --save-probs name one file',
    argv: (f, dir) => [
      'crf',
      '--image',
      f['image.png']!,
      '--labels',
      f['anno.png']!,
      '--out',
      path.join(dir, 'x'),
      '--save-probs',
      path.join(dir, 'x'),
    ],
    mentions: () => '--save-probs',
  },
  {
    command: 'convert',
    title: '--out is an unrelated directory',
    argv: (f) => ['convert', '--prototxt', f['net.prototxt']!, '--caffemodel', f.caffemodel!, '--out', f.weights!],
    mentions: () => '--out',
  },
  {
    command: 'convert',
    title: '--out is a regular file',
    argv: (f) => ['convert', '--prototxt', f['net.prototxt']!, '--caffemodel', f.caffemodel!, '--out', f['list.txt']!],
    mentions: () => '--out',
  },
  {
    command: 'infer',
    title: '--save-logits is the mask of --save-dir',
    argv: (f, dir) => [
      'infer',
      f['image.png']!,
      '--weights',
      f.weights!,
      '--save-dir',
      dir,
      '--save-logits',
      path.join(dir, 'image_mask.png'),
    ],
    mentions: () => '--save-logits',
  },
  {
    command: 'infer',
    title: 'the second of two images is missing: nothing written',
    argv: (f, dir) => ['infer', f['image.png']!, path.join(dir, 'missing.jpg'), '--weights', f.weights!, '--save-dir', path.join(dir, 'o')],
    mentions: (_f, dir) => path.join(dir, 'missing.jpg'),
  },
  {
    command: 'infer',
    title: '--save-dir inside --weights',
    argv: (f) => ['infer', f['image.png']!, '--weights', f.weights!, '--save-dir', path.join(f.weights!, 'masks')],
    mentions: () => '--save-dir',
  },
  {
    command: 'train',
    title: '--snapshot-dir is --restore-from',
    argv: (f) => [
      'train',
      '--data-dir',
      f.data!,
      '--data-list',
      f['list.txt']!,
      '--restore-from',
      f.weights!,
      '--snapshot-dir',
      f.weights!,
    ],
    mentions: () => '--snapshot-dir',
  },
  {
    command: 'clicks sample',
    title: 'a missing --data-dir',
    argv: (f, dir) => [
      'clicks',
      'sample',
      '--data-dir',
      path.join(dir, 'nope'),
      '--data-list',
      f['list.txt']!,
      '--out-dir',
      path.join(dir, 'out'),
    ],
    mentions: () => '--data-dir',
  },
  {
    command: 'clicks sample',
    title: 'a list of images without labels',
    argv: (f, dir) => ['clicks', 'sample', '--data-dir', f.data!, '--data-list', f['list.txt']!, '--out-dir', path.join(dir, 'out')],
    mentions: (f) => f['list.txt']!,
  },
  {
    command: 'noc',
    title: 'a missing --data-dir',
    argv: (f, dir) => ['noc', '--data-dir', path.join(dir, 'nope'), '--data-list', f['list.txt']!, '--weights', f.weights!],
    mentions: () => '--data-dir',
  },
  {
    command: 'inspect',
    title: 'an empty .prototxt',
    argv: (_f, dir) => {
      fs.writeFileSync(path.join(dir, 'empty.prototxt'), '');
      return ['inspect', path.join(dir, 'empty.prototxt')];
    },
    mentions: (_f, dir) => path.join(dir, 'empty.prototxt'),
  },
  {
    command: 'dcsp test-voc',
    title: '--save-dir would overwrite a listed image',
    argv: (f, dir) => [
      'dcsp',
      'test-voc',
      '--data-dir',
      dir,
      '--data-list',
      f['image-list.txt']!,
      '--save-dir',
      dir,
      '--restore-from',
      f.weights!,
    ],
    mentions: () => '--save-dir',
  },
  {
    command: 'dcsp evaluate',
    title: 'an empty list',
    argv: (f, dir) => ['dcsp', 'evaluate', '--data-dir', dir, '--data-list', path.join(dir, 'empty.bin'), '--restore-from', f.weights!],
    mentions: (_f, dir) => path.join(dir, 'empty.bin'),
  },
  {
    command: 'dcsp train',
    title: '--snapshot-dir inside --attn-snapshot-dir',
    argv: (_f, dir) => ['dcsp', 'train', '--attn-snapshot-dir', path.join(dir, 's'), '--snapshot-dir', path.join(dir, 's', 'seg')],
    mentions: () => '--snapshot-dir',
  },
  {
    command: 'data sbd-to-png',
    title: 'a missing --data-dir',
    argv: (_f, dir) => ['data', 'sbd-to-png', '--data-dir', path.join(dir, 'nope')],
    mentions: () => '--data-dir',
  },
  {
    command: 'clicks maps',
    title: 'clicks JSON of random bytes is quoted on one printable line',
    argv: (_f, dir) => [
      'clicks',
      'maps',
      '--clicks',
      path.join(dir, 'random.bin'),
      '--width',
      '8',
      '--height',
      '8',
      '--out',
      path.join(dir, 'm.npy'),
    ],
    mentions: (_f, dir) => path.join(dir, 'random.bin'),
  },
];

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const streams = { stdout: { write: () => true, isTTY: false }, stderr: { write: (s: string) => err.push(s), isTTY: false } };
  const code = await main(['node', 'objsel', ...argv], streams);
  return { code, stderr: err.join('') };
}

async function check(c: Case): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-matrix-'));
  const f = writeInputs(dir);
  fs.writeFileSync(path.join(dir, 'empty.bin'), '');
  fs.writeFileSync(path.join(dir, 'random.bin'), randomBytes(512, 99));
  const argv = c.argv(f, dir);
  const before = treeSnapshot(dir);
  const { code, stderr } = await run(argv);
  const lines = stderr.split('\n').filter((l) => l !== '');
  const context = `objsel ${argv.join(' ')}\n${stderr}`;
  expect(code, context).toBe(2);
  expect(lines, context).toHaveLength(1);
  expect(stderr, context).not.toMatch(/\n\s+at /);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: no raw control bytes may reach the terminal
  expect(lines[0], context).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/);
  expect(lines[0]!.length, context).toBeLessThanOrEqual(420);
  expect(lines[0], context).toContain(c.mentions(f, dir));
  expect(treeSnapshot(dir), context).toEqual(before);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Value placeholders of numeric flags (`--iterations <n>`, `--width <px>`, `--learning-rate <lr>` ...). */
const NUMERIC_PLACEHOLDER = /<(n|px|k|e|lr|s|l|x|t|p|d|wd|m|f|q|port)>/;

/** Commands whose numeric flags are not generated: they start a server or the whole demo when given nothing else. */
const LONG_RUNNING = new Set(['serve', 'demo']);

/** Every numeric flag of every command, found in the program itself: [command words, flag]. */
async function numericFlags(): Promise<Array<[string, string]>> {
  const program = await createProgram({ stdout: { write: () => true }, stderr: { write: () => true } });
  const out: Array<[string, string]> = [];
  const walk = (c: Command, prefix: string) => {
    for (const sub of c.commands) {
      const name = `${prefix}${sub.name()}`;
      if (LONG_RUNNING.has(name)) continue;
      for (const o of sub.options) if (o.long && NUMERIC_PLACEHOLDER.test(o.flags)) out.push([name, o.long]);
      walk(sub, `${name} `);
    }
  };
  walk(program, '');
  return out;
}

/** Out-of-range values every numeric flag must refuse. */
const OUT_OF_RANGE = ['1e300', '-1e300', 'NaN'];

type Args = (f: Record<string, string>, out: (name: string) => string, dir: string) => string[];

/** Arguments for the commands the file matrix does not list, enough to reach their number checks. */
const NUMBER_BASES: Record<string, Args> = {
  noc: (f) => ['noc', '--data-dir', f.data!, '--data-list', f['list.txt']!, '--weights', f.weights!],
  evaluate: (f) => ['evaluate', '--weights', f.weights!, '--data-dir', f.data!, '--data-list', f['list.txt']!],
  'fine-tune': (f, out) => [
    'fine-tune',
    '--data-dir',
    f.data!,
    '--data-list',
    f['list.txt']!,
    '--restore-from',
    f.weights!,
    '--snapshot-dir',
    out('snap'),
  ],
  'dcsp evaluate': (f, _out, dir) => [
    'dcsp',
    'evaluate',
    '--data-dir',
    dir,
    '--data-list',
    f['image-list.txt']!,
    '--restore-from',
    f.weights!,
  ],
  'dcsp test-voc': (f, out, dir) => [
    'dcsp',
    'test-voc',
    '--data-dir',
    dir,
    '--data-list',
    f['image-list.txt']!,
    '--restore-from',
    f.weights!,
    '--save-dir',
    out('masks'),
  ],
  'data check': (_f, _out, dir) => ['data', 'check', '--dataset', 'grabcut', '--data-dir', dir],
  // The queue commands: numbers are refused before Redis is reached (nothing listens on port 1).
  'submit infer': (f, out) => [
    'submit',
    '--redis',
    'redis://127.0.0.1:1',
    'infer',
    f['image.png']!,
    '--weights',
    f.weights!,
    '--save-dir',
    out('masks'),
  ],
  'submit evaluate': (f) => [
    'submit',
    '--redis',
    'redis://127.0.0.1:1',
    'evaluate',
    '--weights',
    f.weights!,
    '--data-dir',
    f.data!,
    '--data-list',
    f['list.txt']!,
  ],
  'submit noc': (f) => [
    'submit',
    '--redis',
    'redis://127.0.0.1:1',
    'noc',
    '--data-dir',
    f.data!,
    '--data-list',
    f['list.txt']!,
    '--weights',
    f.weights!,
  ],
  worker: () => ['worker', '--redis', 'redis://127.0.0.1:1'],
  'dcsp train': (_f, out) => ['dcsp', 'train', '--attn-snapshot-dir', out('attn'), '--snapshot-dir', out('seg')],
};

/** `train` flags that only `train --interactive` reads. */
const INTERACTIVE_ONLY = new Set([
  '--click-scale',
  '--d',
  '--d-margin',
  '--d-step',
  '--loss-scale',
  '--n-negative',
  '--n-positive',
  '--pos-weight',
  '--schedule',
]);

/** For each numeric flag: its command's base arguments (COMMANDS or NUMBER_BASES) or just the command, with the value added. */
function numberCases(flags: Array<[string, string]>): Array<{ command: string } & Case> {
  return flags.flatMap(([command, flag]) => {
    const spec = COMMANDS.find((c) => c.name === command);
    const base: Args = spec ? (f, out) => spec.args(f, out) : (NUMBER_BASES[command] ?? (() => command.split(' ')));
    // Flags read only in a mode get the switch that turns it on.
    const extra = command === 'train' && INTERACTIVE_ONLY.has(flag) ? ['--interactive'] : flag.startsWith('--brs-') ? ['--brs'] : [];
    return OUT_OF_RANGE.map((value) => ({
      command,
      title: `${flag} ${value}`,
      argv: (f: Record<string, string>, dir: string) =>
        withValue([...base(f, (name) => path.join(dir, 'out', name), dir), ...extra], flag, value),
      mentions: () => flag,
    }));
  });
}

const NUMERIC = await numericFlags();

describe('bad input: exit 2, one line, nothing written', () => {
  for (const spec of COMMANDS) {
    describe(spec.name, () => {
      for (const c of cases(spec)) it(c.title, () => check(c));
    });
  }
  describe('every numeric flag out of range', () => {
    for (const c of numberCases(NUMERIC)) it(`${c.command}: ${c.title}`, () => check(c));
  });
  describe('issue 15 cases', () => {
    for (const c of EXTRA) it(`${c.command}: ${c.title}`, () => check(c));
  });
});
