import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClicksError, clickSampleToJson, parseClicksJson, sampleClicks } from '../src/index';

describe('click JSON', () => {
  it('round-trips a sampled click file in the issue shape', () => {
    const labels = new Uint8Array(30 * 30);
    for (let i = 0; i < labels.length; i++) if (Math.hypot((i % 30) - 15, Math.floor(i / 30) - 15) < 8) labels[i] = 1;
    const sample = sampleClicks(labels, 30, 30, 1, 1, { seed: 3, dMargin: 2, d: 6 });
    const file = clickSampleToJson(sample, '2007_000032', { seed: 3 });
    expect(Object.keys(file)).toEqual(['image', 'object', 'strategy', 'positive', 'negative', 'params']);
    const clicks = parseClicksJson(JSON.stringify(file));
    expect(clicks).toEqual([
      ...sample.positive.map((p) => ({ ...p, positive: true })),
      ...sample.negative.map((p) => ({ ...p, positive: false })),
    ]);
  });

  it('accepts click lists and {clicks: [...]}', () => {
    const list = [
      { x: 1, y: 2, positive: true },
      { x: 3, y: 4, positive: false },
    ];
    expect(parseClicksJson(JSON.stringify(list))).toEqual(list);
    expect(parseClicksJson(JSON.stringify({ clicks: list }))).toEqual(list);
    expect(parseClicksJson('{"negative": [[5, 6]]}')).toEqual([{ x: 5, y: 6, positive: false }]);
  });

  it('names the file and place of bad input', () => {
    expect(() => parseClicksJson('{', 'c.json')).toThrow(/c\.json: not valid JSON/);
    expect(() => parseClicksJson('{"positive": [[1]]}', 'c.json')).toThrow(/positive\[0\]/);
    expect(() => parseClicksJson('[{"x": 1.5, "y": 2, "positive": true}]')).toThrow(/integer/);
    expect(() => parseClicksJson('{"a": 1}')).toThrow(ClicksError);
  });

  it('never crashes on garbage: returns clicks or throws ClicksError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ positive: v, negative: v })),
        ),
        (text) => {
          try {
            const clicks = parseClicksJson(text);
            for (const c of clicks) expect(Number.isInteger(c.x) && Number.isInteger(c.y) && typeof c.positive === 'boolean').toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(ClicksError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
