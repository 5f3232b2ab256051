import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOMAIN_MIN_SPREAD, domainDistance, imageDomain, imageStatistics, isImageDomain } from '../src/index';

describe('image statistics and the training domain', () => {
  it('computes brightness, contrast, saturation and flatness of a 3x2 image by hand', () => {
    // Row 0: red, red, white; row 1: black, black, black.
    const data = Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const s = imageStatistics({ width: 3, height: 2, data });
    const red = 0.299 * 255;
    const lumas = [red, red, 255, 0, 0, 0];
    const mean = lumas.reduce((a, b) => a + b) / 6;
    const std = Math.sqrt(lumas.reduce((a, v) => a + (v - mean) ** 2, 0) / 6);
    expect(s.brightness).toBeCloseTo(mean / 255, 12);
    expect(s.contrast).toBeCloseTo(std / 255, 12);
    expect(s.saturation).toBeCloseTo(2 / 6, 12); // the two red pixels have max - min = 255
    expect(s.flatness).toBeCloseTo(3 / 4, 12); // pairs: red=red, red≠white, black=black, black=black
  });

  it('keeps every statistic in [0, 1] for any image', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer(), (width, height, seed) => {
        let x = seed >>> 0;
        const data = Uint8Array.from({ length: width * height * 3 }, () => {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          return x >>> 24;
        });
        for (const v of Object.values(imageStatistics({ width, height, data }))) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
      }),
    );
  });

  it('summarises a domain and measures an image in spreads, floored at DOMAIN_MIN_SPREAD', () => {
    const base = { brightness: 0.5, contrast: 0.1, saturation: 0.2, flatness: 0 };
    const domain = imageDomain('renders', [
      { ...base, brightness: 0.4 },
      { ...base, brightness: 0.6 },
    ]);
    expect(domain.images).toBe(2);
    expect(domain.statistics.brightness.mean).toBeCloseTo(0.5, 12);
    expect(domain.statistics.brightness.std).toBeCloseTo(0.1, 12);
    expect(domain.statistics.contrast.std).toBe(0);
    expect(isImageDomain(JSON.parse(JSON.stringify(domain)))).toBe(true);
    expect(isImageDomain({ dataset: 'x', statistics: {} })).toBe(false);
    // Contrast 0.3 against 0.1 with no spread: floored, (0.3 - 0.1) / 0.02 = 10.
    const far = domainDistance(domain, { ...base, contrast: 0.3 });
    expect(far.statistic).toBe('contrast');
    expect(far.spread).toBe(DOMAIN_MIN_SPREAD);
    expect(far.z).toBeCloseTo(10, 9);
    // Brightness 0.7: 2 of its spreads of 0.1.
    expect(domainDistance(domain, { ...base, brightness: 0.7 }).z).toBeCloseTo(2, 9);
  });
});
