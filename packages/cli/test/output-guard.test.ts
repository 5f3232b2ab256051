/** The shared guards of issue 15: outputs never overwrite inputs or each other; error lines stay printable. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ERROR_LENGTH, printable } from '../src/errors';
import { assertPixelCap, MAX_PIXELS } from '../src/flags';
import { assertOutputsSafe, assertReplaceableWeightsDir } from '../src/output-guard';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'objsel-guard-'));

describe('assertOutputsSafe', () => {
  it('refuses an output spelled differently from the input it is (a symbolic link, ./, ..)', () => {
    const dir = tmp();
    const input = path.join(dir, 'in.png');
    fs.writeFileSync(input, 'x');
    fs.symlinkSync(dir, path.join(dir, 'link'));
    for (const spelling of [path.join(dir, 'link', 'in.png'), path.join(dir, '.', 'sub', '..', 'in.png')])
      expect(() => assertOutputsSafe([['--out', spelling]], [input])).toThrow(/--out .* is the input/);
  });

  it('refuses two outputs naming one file, and an output that is a directory; accepts distinct files', () => {
    const dir = tmp();
    expect(() =>
      assertOutputsSafe(
        [
          ['--out', path.join(dir, 'a')],
          ['--probs', path.join(dir, 'x', '..', 'a')],
        ],
        [],
      ),
    ).toThrow(/--out and --probs both name/);
    expect(() => assertOutputsSafe([['--out', dir]], [])).toThrow(/is a directory/);
    expect(() =>
      assertOutputsSafe(
        [
          ['--out', path.join(dir, 'a')],
          ['--probs', path.join(dir, 'b')],
          ['--overlay', undefined],
        ],
        [],
      ),
    ).not.toThrow();
  });
});

describe('assertReplaceableWeightsDir', () => {
  it('replaces nothing, an empty directory or objsel weights; refuses other directories and files unless forced', () => {
    const dir = tmp();
    const weights = path.join(dir, 'w');
    fs.mkdirSync(weights);
    fs.writeFileSync(path.join(weights, 'model.json'), JSON.stringify({ format: 'layers-model', objsel: { architecture: 'x' } }));
    const other = path.join(dir, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'model.json'), JSON.stringify({ format: 'layers-model' }));
    const file = path.join(dir, 'f.txt');
    fs.writeFileSync(file, 'x');
    fs.mkdirSync(path.join(dir, 'empty'));
    for (const ok of [path.join(dir, 'new'), path.join(dir, 'empty'), weights])
      expect(() => assertReplaceableWeightsDir('--out', ok, false)).not.toThrow();
    expect(() => assertReplaceableWeightsDir('--out', other, false)).toThrow(/not an objsel weights directory/);
    expect(() => assertReplaceableWeightsDir('--out', file, false)).toThrow(/existing file/);
    expect(() => assertReplaceableWeightsDir('--out', other, true)).not.toThrow();
  });
});

describe('assertPixelCap', () => {
  it('accepts up to 8192x8192 pixels and refuses one more row', () => {
    expect(MAX_PIXELS).toBe(8192 * 8192);
    expect(() => assertPixelCap('--input-size', 8192, 8192)).not.toThrow();
    expect(() => assertPixelCap('--input-size', 8192, 8193)).toThrow(/more than the cap/);
  });
});

describe('printable', () => {
  it('leaves ordinary text alone', () => {
    expect(printable('crf.ts: --out a.png is the input a.png; naïve 日本 ✓')).toBe('crf.ts: --out a.png is the input a.png; naïve 日本 ✓');
  });

  it('escapes control characters and undecodable bytes', () => {
    expect(printable('a\u0000b\u001b[31mc\r\ufffd')).toBe('a\\x00b\\x1b[31mc\\x0d\\ufffd');
  });

  it('cuts a long line without splitting a surrogate pair', () => {
    const line = printable(`${'a'.repeat(MAX_ERROR_LENGTH - 2)}😀😀😀`);
    expect(line).toBe(`${'a'.repeat(MAX_ERROR_LENGTH - 2)}…`);
    expect(printable(`${'a'.repeat(MAX_ERROR_LENGTH - 3)}😀😀😀`)).toBe(`${'a'.repeat(MAX_ERROR_LENGTH - 3)}😀…`);
  });

  it('any text becomes one line of printable characters, at most MAX_ERROR_LENGTH long', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 2000 }), (text) => {
        const line = printable(text);
        expect(line.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the property is their absence
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\ufffd]/);
        expect(line).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
