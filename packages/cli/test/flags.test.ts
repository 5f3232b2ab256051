import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESNET_BLOCKS } from '@objsel/caffe-import';
import { CliError, exitCodeOf, formatError } from '../src/errors';
import {
  choiceFlag,
  clickFlag,
  depthFlag,
  listFlag,
  numberChoiceFlag,
  numberFlag,
  strategiesFlag,
  vocTagsFlag,
  type NumberFlagOptions,
} from '../src/flags';

/** The thrown error, asserted to be a one-line usage error (exit 2) naming the flag and the value. */
function usageError(fn: () => unknown, flag: string, value: string): CliError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CliError);
  const e = caught as CliError;
  expect(e.code).toBe('usage');
  expect(exitCodeOf(e)).toBe(2);
  expect(formatError(e)).not.toContain('\n');
  expect(e.message.startsWith(flag)).toBe(true);
  expect(e.message).toContain(`'${value}'`);
  return e;
}

/** Independent statement of what a number flag accepts. */
function accepts(n: number, o: NumberFlagOptions): boolean {
  if (!Number.isFinite(n)) return false;
  if (o.integer && !Number.isSafeInteger(n)) return false;
  if (o.min !== undefined && (o.minExclusive ? !(n > o.min) : !(n >= o.min))) return false;
  if (o.max !== undefined && (o.maxExclusive ? !(n < o.max) : !(n <= o.max))) return false;
  return true;
}

const bounds = fc.record(
  {
    integer: fc.boolean(),
    min: fc.integer({ min: -50, max: 50 }),
    minExclusive: fc.boolean(),
    max: fc.integer({ min: -50, max: 50 }),
    maxExclusive: fc.boolean(),
  },
  { requiredKeys: [] },
);

describe('numberFlag', () => {
  it('round-trips every finite number it is given as text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(numberFlag('--x', String(n))).toBe(n === 0 ? 0 : n); // String(-0) is '0'
      }),
    );
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(numberFlag('--n', String(n), { integer: true })).toBe(n === 0 ? 0 : n);
      }),
    );
  });

  it('accepts exactly the numbers within its options and names flag and value otherwise', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -60, max: 60 }), fc.double({ min: -60, max: 60, noNaN: true })), bounds, (n, o) => {
        const text = String(n);
        if (accepts(n, o)) expect(numberFlag('--some-flag', text, o)).toBe(n);
        else usageError(() => numberFlag('--some-flag', text, o), '--some-flag', text);
      }),
    );
  });

  it('rejects text that is not a number', () => {
    const notNumbers = fc.oneof(
      fc.constantFrom('', ' ', 'ten', 'NaN', 'Infinity', '-Infinity', '1e999', '1,2', '3px', '--1'),
      fc.string().filter((s) => !Number.isFinite(Number(s)) || s.trim() === ''),
    );
    fc.assert(fc.property(notNumbers, (text) => void usageError(() => numberFlag('--lr', text), '--lr', text)));
  });

  it('says what it wanted', () => {
    expect(() => numberFlag('--num-steps', 'ten', { integer: true, min: 1 })).toThrow("--num-steps must be an integer >= 1, got 'ten'");
    expect(() => numberFlag('--t', '2', { min: 0, max: 1 })).toThrow("--t must be a number in [0, 1], got '2'");
    expect(() => numberFlag('--p', '1', { min: 0, minExclusive: true, max: 1, maxExclusive: true })).toThrow(
      "--p must be a number in (0, 1), got '1'",
    );
    expect(() => numberFlag('--k', '0', { min: 0, minExclusive: true })).toThrow("--k must be a number > 0, got '0'");
  });
});

describe('listFlag', () => {
  it('round-trips lists of positive numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 6 }), (xs) => {
        expect(listFlag('--scales', xs.join(','))).toEqual(xs);
        expect(listFlag('--scales', xs.join(' , '), { length: xs.length })).toEqual(xs);
      }),
    );
  });

  it('rejects a bad element or count, naming the flag', () => {
    usageError(() => listFlag('--scales', '1,0,0.5'), '--scales', '0');
    usageError(() => listFlag('--scales', '1,x'), '--scales', 'x');
    usageError(() => listFlag('--blocks', '1.5,1,1,1', { integer: true }), '--blocks', '1.5');
    usageError(() => listFlag('--input-size', '321', { integer: true, length: 2 }), '--input-size', '321');
    expect(listFlag('--iou', '-1,0', { min: -1 })).toEqual([-1, 0]);
  });
});

describe('clickFlag', () => {
  it('round-trips clicks', () => {
    fc.assert(
      fc.property(fc.nat(100_000), fc.nat(100_000), fc.boolean(), fc.constantFrom(0, 1, 2), (x, y, positive, style) => {
        const kind = [positive ? '+' : '-', positive ? 'pos' : 'NEG', positive ? '1' : '0'][style]!;
        expect(clickFlag(`${x},${y},${kind}`)).toEqual({ x, y, positive });
        expect(clickFlag(` ${x} , ${y} , ${kind} `)).toEqual({ x, y, positive });
      }),
    );
  });

  it('rejects anything else, naming the flag', () => {
    for (const bad of ['1,2', '1,2,?', '-1,2,+', '1.5,2,+', 'a,b,+', ''])
      expect(() => clickFlag(bad)).toThrow(`--click takes X,Y,+ or X,Y,- (pixel column, row, kind), got '${bad}'`);
  });
});

describe('word flags', () => {
  it('choiceFlag keeps a listed word and rejects others', () => {
    expect(choiceFlag('--refine', 'crf', ['none', 'graphcut', 'crf'] as const)).toBe('crf');
    expect(() => choiceFlag('--refine', 'grabcut', ['none', 'graphcut', 'crf'])).toThrow(
      "--refine must be none, graphcut or crf, got 'grabcut'",
    );
  });

  it('strategiesFlag reads 1, 2 and 3 without duplicates', () => {
    expect(strategiesFlag('3,1,3')).toEqual([3, 1]);
    usageError(() => strategiesFlag('1,4'), '--strategies', '1,4');
    usageError(() => strategiesFlag(''), '--strategies', '');
  });

  it("depthFlag gives deeplab-resnet's residual units per stage", () => {
    for (const depth of [50, 101, 152] as const) expect(depthFlag(String(depth)).blocks).toEqual(RESNET_BLOCKS[depth]);
    expect(() => depthFlag('34')).toThrow("--depth must be 50, 101 or 152, got '34'");
    expect(numberChoiceFlag('--connectivity', '8', [4, 8] as const)).toBe(8);
    usageError(() => numberChoiceFlag('--connectivity', '6', [4, 8]), '--connectivity', '6');
  });

  it('vocTagsFlag reads ids and names of VOC object classes', () => {
    expect(vocTagsFlag('3, person,15')).toEqual([3, 15, 15]);
    expect(() => vocTagsFlag('dragon')).toThrow("--tags: 'dragon' is not a VOC object class");
    expect(() => vocTagsFlag('0')).toThrow("--tags: '0' is not a VOC object class");
    expect(() => vocTagsFlag('background')).toThrow("--tags: 'background' is not a VOC object class");
  });
});
