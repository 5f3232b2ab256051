import { describe, expect, it } from 'vitest';
import { SampleRng, permutation } from '../src/index';

describe('SampleRng state', () => {
  it('a generator set to a saved state continues with the same draws', () => {
    const a = new SampleRng([7, 1, 2]);
    for (let i = 0; i < 5; i++) a.nextUint32();
    const saved = a.state();
    const expected = [a.nextUint32(), a.int(10), a.next(), ...permutation(9, a)];
    const b = new SampleRng(123);
    b.setState(JSON.parse(JSON.stringify(saved)) as number[]);
    expect([b.nextUint32(), b.int(10), b.next(), ...permutation(9, b)]).toEqual(expected);
    expect(() => b.setState([1, 2, 3])).toThrow(RangeError);
  });
});
