import fc from 'fast-check';

/** A random mask: a size and one 0/1 value per pixel (row-major). */
export const randomMask = fc
  .record({
    width: fc.integer({ min: 0, max: 24 }),
    height: fc.integer({ min: 0, max: 24 }),
    density: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .chain(({ width, height, density }) =>
    fc
      .array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: width * height, maxLength: width * height })
      .map((u) => ({ width, height, mask: Uint8Array.from(u, (v) => (v < density ? 1 : 0)) })),
  );

/** A random smooth blob: a few overlapping discs (holes are the exact-outline test's: outer outlines fill them). */
export const randomBlobs = fc
  .record({
    width: fc.integer({ min: 32, max: 80 }),
    height: fc.integer({ min: 32, max: 80 }),
    // Blobs as an annotator selects them: discs of 6 to 16 pixels radius, centred away from the border.
    discs: fc.array(
      fc.tuple(
        fc.double({ min: 0.25, max: 0.75, noNaN: true }),
        fc.double({ min: 0.25, max: 0.75, noNaN: true }),
        fc.double({ min: 6, max: 16, noNaN: true }),
      ),
      {
        minLength: 1,
        maxLength: 4,
      },
    ),
  })
  .map(({ width, height, discs }) => {
    const mask = new Uint8Array(width * height);
    const paint = ([u, v, r]: [number, number, number]) => {
      const [cx, cy] = [u * width, v * height];
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) mask[y * width + x] = 1;
    };
    for (const d of discs) paint(d);
    return { width, height, mask };
  });
